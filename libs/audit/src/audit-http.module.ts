import { Module } from '@nestjs/common';
import { AuditAdminController } from './http/audit-admin.controller';
import { AuditEventsController } from './http/audit-events.controller';
import { AuditEventsService } from './http/audit-events.service';
import { AuditLogRepository } from './http/audit-log.repository';
import { AuditVerificationService } from './http/audit-verification.service';

/**
 * The audit log's HTTP surface (imported by apps/api only): tenant administrators list, export and
 * verify their tenant's log at /audit-events; platform administrators verify every chain at
 * POST /admin/audit/verify.
 */
@Module({
  controllers: [AuditEventsController, AuditAdminController],
  providers: [AuditEventsService, AuditVerificationService, AuditLogRepository],
  exports: [AuditVerificationService],
})
export class AuditHttpModule {}
