import { Module } from '@nestjs/common';
import { AuditModule } from '@itinera/audit';
import { RecordAccessModule } from '../access/record-access.module';
import { AnalysersModule } from './analysers/analysers.module';
import { AnalysisCostsModule } from './costs/analysis-costs.module';
import { AnalysisQueriesService } from './analysis-queries.service';
import { AnalysisRequestsService } from './analysis-requests.service';
import { AnalysesController } from './http/analyses.controller';
import { AnalysisBatchController } from './http/analysis-batch.controller';
import { AnalysisStatsController } from './http/analysis-stats.controller';

/** Analyses over HTTP: request, list, read, cancel, and the analysers' statistics. Produces jobs through the outbox only. */
@Module({
  imports: [AuditModule, RecordAccessModule, AnalysersModule, AnalysisCostsModule],
  controllers: [AnalysesController, AnalysisBatchController, AnalysisStatsController],
  providers: [AnalysisRequestsService, AnalysisQueriesService],
})
export class AnalysesModule {}
