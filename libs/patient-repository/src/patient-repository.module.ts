import { Module } from '@nestjs/common';
import { RecordAccessModule } from './access/record-access.module';
import { AnalysesModule } from './analyses/analyses.module';
import { ConsentModule } from './consent/consent.module';

/** The patient-repository domain over HTTP: records, entries, consent, the access log and analyses. */
@Module({
  imports: [RecordAccessModule, AnalysesModule, ConsentModule],
  exports: [RecordAccessModule],
})
export class PatientRepositoryModule {}
