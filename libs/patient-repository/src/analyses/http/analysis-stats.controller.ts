import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems, Roles, TENANT_ADMIN_ROLES } from '@itinera/platform';
import { AnalysisQueriesService } from '../analysis-queries.service';
import { AnalysisStatsQuery } from '../dto/analysis-stats.query';
import { AnalysisStatsResponse } from '../dto/analysis-stats.response';

@ApiTags('analyses')
@Controller('analyses')
export class AnalysisStatsController {
  constructor(private readonly queries: AnalysisQueriesService) {}

  @Get('stats')
  @Roles(...TENANT_ADMIN_ROLES)
  @ApiOperation({
    summary: 'Per analyser: attempts, failures, cancellations, mean and p95 duration (tenant admins)',
    description: 'Over the attempts (analysis_runs) that finished in the range; ids and numbers only, no health data.',
  })
  @ApiOkResponse({ type: AnalysisStatsResponse })
  @ApiProblems({ 403: 'Not a tenant admin' })
  stats(@Query() query: AnalysisStatsQuery): Promise<AnalysisStatsResponse> {
    return this.queries.stats(query);
  }
}
