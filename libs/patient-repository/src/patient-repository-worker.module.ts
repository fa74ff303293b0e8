import { Module } from '@nestjs/common';
import { RecordAccessModule } from './access/record-access.module';
import { AnalysesWorkerModule } from './analyses/analyses-worker.module';
import { ConsentJobsModule } from './consent/consent-jobs.module';

/** The patient-repository domain in the worker: analyses and the consent jobs. */
@Module({
  imports: [RecordAccessModule, AnalysesWorkerModule, ConsentJobsModule],
})
export class PatientRepositoryWorkerModule {}
