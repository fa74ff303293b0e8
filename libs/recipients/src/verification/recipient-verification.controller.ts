import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems, Public } from '@itinera/platform';
import { DEAD_LINK, TOKEN_PARAM } from '../links/link-openapi';
import { LinkRateLimit } from '../links/link-rate-limit';
import {
  ConfirmVerificationCodeDto,
  SendVerificationCodeDto,
  VerificationCodeSentResponse,
  VerificationGrantResponse,
} from './dto/recipient-verification.dto';
import { RecipientVerificationService } from './recipient-verification.service';

/** One-time codes of recipients that must verify before their link shows health data. */
@ApiTags('recipient-links')
@TOKEN_PARAM
@Public()
@Controller('r/:token/verification')
export class RecipientVerificationController {
  constructor(private readonly verification: RecipientVerificationService) {}

  @Post()
  @HttpCode(202)
  @LinkRateLimit()
  @ApiOperation({
    summary: 'Send a one-time code to your email or phone',
    description:
      'At most 5 codes an hour. The code expires after RECIPIENT_CODE_TTL_MINUTES; a new code replaces the previous one.',
  })
  @ApiAcceptedResponse({ type: VerificationCodeSentResponse })
  @ApiProblems({
    400: 'No contact on that channel',
    404: DEAD_LINK,
    409: 'This link does not require verification',
    429: 'Too many codes in the last hour',
  })
  send(@Param('token') token: string, @Body() body: SendVerificationCodeDto): Promise<VerificationCodeSentResponse> {
    return this.verification.send(token, body.channel);
  }

  @Post('confirm')
  @HttpCode(200)
  @LinkRateLimit()
  @ApiOperation({
    summary: 'Confirm the code; returns the verification token',
    description:
      'Send `verificationToken` as the `X-Link-Verification` header on the link routes until `expiresAt`. ' +
      'Wrong codes count; after RECIPIENT_CODE_MAX_ATTEMPTS the code is dead (429) and a new one must be sent.',
  })
  @ApiOkResponse({ type: VerificationGrantResponse })
  @ApiProblems({ 400: 'Wrong or expired code', 404: DEAD_LINK, 429: 'Too many wrong attempts' })
  confirm(@Param('token') token: string, @Body() body: ConfirmVerificationCodeDto): Promise<VerificationGrantResponse> {
    return this.verification.confirm(token, body.code);
  }
}
