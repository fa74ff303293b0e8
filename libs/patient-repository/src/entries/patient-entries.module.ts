import { Module } from '@nestjs/common';
import { AuditModule } from '@itinera/audit';
import { RecordAccessModule } from '../access/record-access.module';
import { ENTRY_CATEGORY_DEFINITIONS } from './entry-categories';
import { FhirExportController } from './export/fhir-export.controller';
import { FhirExportService } from './export/fhir-export.service';
import { entryControllerFor } from './patient-entries.controller';
import { PatientEntriesService } from './patient-entries.service';
import { PatientEntryReaderModule } from './patient-entry-reader.module';

/** Clinical entries over HTTP: the seven categories' routes, their versions, and the FHIR export. */
@Module({
  imports: [AuditModule, RecordAccessModule, PatientEntryReaderModule],
  controllers: [...ENTRY_CATEGORY_DEFINITIONS.map(entryControllerFor), FhirExportController],
  providers: [PatientEntriesService, FhirExportService],
  exports: [PatientEntryReaderModule],
})
export class PatientEntriesModule {}
