import { Module } from '@nestjs/common';
import { AuditService } from './audit.service';

/** The audit writer every domain uses; `AuditHttpModule` adds the query, export and verify routes. */
@Module({
  providers: [AuditService],
  exports: [AuditService],
})
export class AuditModule {}
