import { Module } from '@nestjs/common';
import { AuditModule } from '@itinera/audit';
import { RecordAccessModule } from '../access/record-access.module';
import { AccessLogService } from './access-log.service';
import { ConsentGrantsService } from './consent-grants.service';
import { AccessLogController } from './http/access-log.controller';
import { ConsentGrantsController } from './http/consent-grants.controller';
import { SpecialistConsentGrantsController } from './http/specialist-consent-grants.controller';

/** Consent grants (patient and specialist views) and the record's access log, over HTTP. */
@Module({
  imports: [RecordAccessModule, AuditModule],
  controllers: [ConsentGrantsController, SpecialistConsentGrantsController, AccessLogController],
  providers: [ConsentGrantsService, AccessLogService],
  exports: [ConsentGrantsService],
})
export class ConsentModule {}
