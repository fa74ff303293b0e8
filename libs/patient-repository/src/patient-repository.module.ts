import { Module } from '@nestjs/common';
import { RecordAccessModule } from './access/record-access.module';
import { AnalysesModule } from './analyses/analyses.module';
import { PatientEntriesModule } from './entries/patient-entries.module';
import { ConsentModule } from './consent/consent.module';
import { PatientRecordsModule } from './records/patient-records.module';

/** The patient-repository domain over HTTP: records, entries, consent, the access log and analyses. */
@Module({
  imports: [RecordAccessModule, AnalysesModule, PatientEntriesModule, ConsentModule, PatientRecordsModule],
  exports: [RecordAccessModule],
})
export class PatientRepositoryModule {}
