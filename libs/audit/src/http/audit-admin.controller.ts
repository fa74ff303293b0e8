import { Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { PlatformAdmin } from '@itinera/platform';
import { AuditVerificationService } from './audit-verification.service';
import { PlatformAuditVerificationResponse } from './dto/audit-verification.response';

/** Platform operators' audit checks. */
@ApiTags('admin')
@PlatformAdmin()
@Controller('admin/audit')
export class AuditAdminController {
  constructor(private readonly verification: AuditVerificationService) {}

  @Post('verify')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Verify every audit chain',
    description:
      "The platform chain and every tenant's (tenants without entries included), each reported with its first mismatch.",
  })
  @ApiOkResponse({ type: PlatformAuditVerificationResponse })
  verifyAll(): Promise<PlatformAuditVerificationResponse> {
    return this.verification.verifyAll();
  }
}
