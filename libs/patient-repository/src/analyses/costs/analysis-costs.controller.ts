import { Body, Controller, Delete, Get, HttpCode, Put, Query } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  ApiProblems,
  CurrentPrincipal,
  CurrentTenant,
  Roles,
  TENANT_ADMIN_ROLES,
  type Principal,
} from '@itinera/platform';
import { AnalysisCostsService } from './analysis-costs.service';
import { AnalysisBudgetResponse, SetAnalysisBudgetDto } from './dto/analysis-budget.dto';
import { AnalysisCostsQuery, AnalysisCostsResponse } from './dto/analysis-costs.dto';

/** The tenant's model-provider spending: its monthly budget and its cost totals (tenant admins). */
@ApiTags('analyses')
@Controller('analyses')
export class AnalysisCostsController {
  constructor(private readonly costs: AnalysisCostsService) {}

  @Get('budget')
  @Roles(...TENANT_ADMIN_ROLES)
  @ApiOperation({
    summary: "The tenant's monthly model-provider budget and this month's spending",
    description:
      'Spending is the cost of model-provider calls recorded since the start of the month (UTC); reserved is the ' +
      'estimated cost still held by QUEUED and RUNNING analyses. Without a budget, monthlyLimit and remaining are null.',
  })
  @ApiOkResponse({ type: AnalysisBudgetResponse })
  getBudget(@CurrentTenant() tenantId: string): Promise<AnalysisBudgetResponse> {
    return this.costs.getBudget(tenantId);
  }

  @Put('budget')
  @Roles(...TENANT_ADMIN_ROLES)
  @ApiOperation({
    summary: "Set the tenant's monthly model-provider budget",
    description:
      'An analysis whose estimated cost (MODEL_REVIEW: MODEL_PROVIDER_ESTIMATED_INPUT_TOKENS in and ' +
      'MODEL_PROVIDER_MAX_OUTPUT_TOKENS out, at the configured prices) would take spending plus reservations past the ' +
      'limit is refused with 402 BUDGET_EXCEEDED before it is queued. Analyses already queued are not affected.',
  })
  @ApiOkResponse({ type: AnalysisBudgetResponse })
  @ApiProblems({ 400: 'monthlyLimit missing, negative, too large or with more than 2 decimals' })
  setBudget(
    @CurrentPrincipal() principal: Principal,
    @CurrentTenant() tenantId: string,
    @Body() body: SetAnalysisBudgetDto,
  ): Promise<AnalysisBudgetResponse> {
    return this.costs.setBudget(principal, tenantId, body);
  }

  @Delete('budget')
  @Roles(...TENANT_ADMIN_ROLES)
  @HttpCode(204)
  @ApiOperation({ summary: "Remove the tenant's monthly budget (no limit from then on)" })
  @ApiNoContentResponse({ description: 'Removed.' })
  @ApiProblems({ 404: 'The tenant has no budget' })
  removeBudget(@CurrentTenant() tenantId: string): Promise<void> {
    return this.costs.removeBudget(tenantId);
  }

  @Get('costs')
  @Roles(...TENANT_ADMIN_ROLES)
  @ApiOperation({
    summary: "The tenant's model-provider calls, tokens and cost, in total and per analysis kind",
    description: 'Over [from, to); by default from the start of this month (UTC) until now.',
  })
  @ApiOkResponse({ type: AnalysisCostsResponse })
  @ApiProblems({ 400: 'A malformed date, or from not before to' })
  costTotals(@CurrentTenant() tenantId: string, @Query() query: AnalysisCostsQuery): Promise<AnalysisCostsResponse> {
    return this.costs.costs(tenantId, query);
  }
}
