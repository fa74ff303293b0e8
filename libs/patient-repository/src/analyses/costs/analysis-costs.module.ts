import { Module } from '@nestjs/common';
import { AuditModule } from '@itinera/audit';
import { AnalysisBudgetService } from './analysis-budget.service';
import { AnalysisCostsController } from './analysis-costs.controller';
import { AnalysisCostsService } from './analysis-costs.service';

/** Model-provider costs and the tenant's monthly budget over HTTP; exports the reservation used when an analysis is requested. */
@Module({
  imports: [AuditModule],
  controllers: [AnalysisCostsController],
  providers: [AnalysisBudgetService, AnalysisCostsService],
  exports: [AnalysisBudgetService],
})
export class AnalysisCostsModule {}
