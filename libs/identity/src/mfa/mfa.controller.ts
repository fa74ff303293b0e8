import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems, CurrentUser, WithoutTenant, type UserPrincipal } from '@itinera/platform';
import { MfaCodeDto, MfaEnrolmentResponse } from './mfa.dto';
import { MfaService } from './mfa.service';

@ApiTags('auth')
@WithoutTenant()
@Controller('auth/mfa')
export class MfaController {
  constructor(private readonly mfa: MfaService) {}

  @Post('enrol')
  @ApiOperation({ summary: 'Start MFA enrolment: returns a TOTP seed, shown once; confirm it with a code' })
  @ApiOkResponse({ type: MfaEnrolmentResponse })
  @ApiProblems({ 409: 'MFA is already on.' })
  @HttpCode(200)
  enrol(@CurrentUser() user: UserPrincipal): Promise<MfaEnrolmentResponse> {
    return this.mfa.enrol(user);
  }

  @Post('confirm')
  @ApiOperation({ summary: 'Turn MFA on with a first code from the enrolled app' })
  @ApiNoContentResponse({ description: 'MFA is on: sign-ins now need a code.' })
  @ApiProblems({ 409: 'Not enrolled, or already on.' })
  @HttpCode(204)
  confirm(@CurrentUser() user: UserPrincipal, @Body() body: MfaCodeDto): Promise<void> {
    return this.mfa.confirm(user, body.code);
  }

  @Post('disable')
  @ApiOperation({ summary: 'Turn MFA off, proven with a current code' })
  @ApiNoContentResponse({ description: 'MFA is off.' })
  @ApiProblems({ 409: 'MFA is not on.' })
  @HttpCode(204)
  disable(@CurrentUser() user: UserPrincipal, @Body() body: MfaCodeDto): Promise<void> {
    return this.mfa.disable(user, body.code);
  }
}
