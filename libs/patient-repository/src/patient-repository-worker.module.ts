import { Module } from '@nestjs/common';
import { RecordAccessModule } from './access/record-access.module';

/** The patient-repository domain in the worker: analyses and the consent jobs. */
@Module({
  imports: [RecordAccessModule],
})
export class PatientRepositoryWorkerModule {}
