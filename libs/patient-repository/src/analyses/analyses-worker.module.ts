import { Module } from '@nestjs/common';
import { RecordAccessModule } from '../access/record-access.module';
import { PatientEntryReaderModule } from '../entries/patient-entry-reader.module';
import { AnalysersModule } from './analysers/analysers.module';
import { AnalysisRunner } from './jobs/analysis-runner.service';
import { AnalysisRunProcessor } from './jobs/analysis-run.processor';

/** The analysis queue's consumer (worker only). */
@Module({
  imports: [RecordAccessModule, PatientEntryReaderModule, AnalysersModule],
  providers: [AnalysisRunProcessor, AnalysisRunner],
})
export class AnalysesWorkerModule {}
