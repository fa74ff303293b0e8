import { Module } from '@nestjs/common';
import { AuditModule } from '@itinera/audit';
import { RecordCipher } from '../records/record-cipher';
import { PatientRecordAccess } from './patient-record-access.service';

/** The consent check every read goes through, and the cipher of personal information and entries. */
@Module({
  imports: [AuditModule],
  providers: [PatientRecordAccess, RecordCipher],
  exports: [PatientRecordAccess, RecordCipher],
})
export class RecordAccessModule {}
