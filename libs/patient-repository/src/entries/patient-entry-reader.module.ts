import { Module } from '@nestjs/common';
import { RecordAccessModule } from '../access/record-access.module';
import { PatientEntryReader } from './patient-entry.reader';

/**
 * The decrypted-entry reader on its own (no routes), for the worker's analysis jobs as well as the
 * export: import this module rather than PatientEntriesModule where no controllers belong.
 */
@Module({
  imports: [RecordAccessModule],
  providers: [PatientEntryReader],
  exports: [PatientEntryReader],
})
export class PatientEntryReaderModule {}
