import { Injectable } from '@nestjs/common';
import type { AnalysisKind } from '@prisma/client';
import { AuditService } from '@itinera/audit';
import type { Principal } from '@itinera/platform';
import { PrismaService } from '@itinera/prisma';
import { AnalysisBudgetService, type BudgetUsage } from './analysis-budget.service';
import { invalidCostRange, noBudget } from './analysis-costs.errors';
import type { AnalysisBudgetResponse, SetAnalysisBudgetDto } from './dto/analysis-budget.dto';
import type { AnalysisCostsQuery, AnalysisCostsResponse, CostTotals } from './dto/analysis-costs.dto';
import { roundMoney } from './model-pricing';

const AUDIT_RESOURCE = 'analysis-budget';

interface TotalsRow {
  kind: AnalysisKind;
  calls: number;
  analyses: number;
  input_tokens: number;
  output_tokens: number;
  cost: number;
}

const toTotals = (r: Omit<TotalsRow, 'kind'>): CostTotals => ({
  calls: r.calls,
  analyses: r.analyses,
  inputTokens: r.input_tokens,
  outputTokens: r.output_tokens,
  cost: roundMoney(r.cost),
});

const toBudgetResponse = (u: BudgetUsage): AnalysisBudgetResponse => ({
  monthlyLimit: u.monthlyLimit,
  spentThisMonth: u.spentThisMonth,
  reserved: u.reserved,
  remaining: u.monthlyLimit === null ? null : Math.max(0, roundMoney(u.monthlyLimit - u.spentThisMonth - u.reserved)),
  periodStart: u.periodStart,
  periodEnd: u.periodEnd,
  updatedAt: u.updatedAt,
});

/** The budget routes (read, set, remove, each change audited) and the cost totals per tenant and kind. */
@Injectable()
export class AnalysisCostsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly budget: AnalysisBudgetService,
    private readonly audit: AuditService,
  ) {}

  getBudget(tenantId: string): Promise<AnalysisBudgetResponse> {
    return this.prisma.tenantTransaction(async (tx) => toBudgetResponse(await this.budget.usage(tx, tenantId)));
  }

  /** Sets the limit (an upsert, the row locked as reservations lock it). A lower limit does not touch queued analyses. */
  setBudget(principal: Principal, tenantId: string, body: SetAnalysisBudgetDto): Promise<AnalysisBudgetResponse> {
    const actorId = principal.kind === 'user' ? principal.userId : principal.apiKeyId;
    return this.prisma.tenantTransaction(async (tx) => {
      const [before] = await tx.$queryRawUnsafe<{ monthly_limit: number }[]>(
        'SELECT monthly_limit::float8 AS monthly_limit FROM analysis_budgets WHERE tenant_id = $1::uuid FOR UPDATE',
        tenantId,
      );
      await tx.$executeRawUnsafe(
        `INSERT INTO analysis_budgets (tenant_id, monthly_limit, updated_by, updated_at)
         VALUES ($1::uuid, $2::numeric, $3::uuid, now())
         ON CONFLICT (tenant_id) DO UPDATE
           SET monthly_limit = EXCLUDED.monthly_limit, updated_by = EXCLUDED.updated_by, updated_at = now()`,
        tenantId,
        body.monthlyLimit.toFixed(2),
        actorId,
      );
      await this.audit.record(tx, {
        action: before ? 'analysis-budget.changed' : 'analysis-budget.set',
        resourceType: AUDIT_RESOURCE,
        resourceId: tenantId,
        before: before ? { monthlyLimit: before.monthly_limit } : undefined,
        after: { monthlyLimit: body.monthlyLimit },
      });
      return toBudgetResponse(await this.budget.usage(tx, tenantId));
    });
  }

  /** Removes the limit (no budget: no limit); 404 when there is none. */
  removeBudget(tenantId: string): Promise<void> {
    return this.prisma.tenantTransaction(async (tx) => {
      const [removed] = await tx.$queryRawUnsafe<{ monthly_limit: number }[]>(
        'DELETE FROM analysis_budgets WHERE tenant_id = $1::uuid RETURNING monthly_limit::float8 AS monthly_limit',
        tenantId,
      );
      if (!removed) throw noBudget();
      await this.audit.record(tx, {
        action: 'analysis-budget.removed',
        resourceType: AUDIT_RESOURCE,
        resourceId: tenantId,
        before: { monthlyLimit: removed.monthly_limit },
      });
    });
  }

  /** Calls, tokens and cost recorded in [from, to), for the tenant and per kind (one scan of analysis_costs). */
  async costs(tenantId: string, query: AnalysisCostsQuery): Promise<AnalysisCostsResponse> {
    const now = new Date();
    const from = query.from ?? new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
    const to = query.to ?? now;
    if (from >= to) throw invalidCostRange();
    const rows = await this.prisma.tenantQuery<TotalsRow & { grouping: number }>(
      `SELECT kind, GROUPING(kind) AS grouping, count(*)::int AS calls, count(DISTINCT analysis_id)::int AS analyses,
              coalesce(sum(input_tokens), 0)::float8 AS input_tokens, coalesce(sum(output_tokens), 0)::float8 AS output_tokens,
              coalesce(sum(cost), 0)::float8 AS cost
         FROM analysis_costs
        WHERE tenant_id = $1::uuid AND created_at >= $2 AND created_at < $3
        GROUP BY ROLLUP (kind)
        ORDER BY GROUPING(kind), kind`,
      [tenantId, from, to],
    );
    const total = rows.find((r) => r.grouping === 1) ?? {
      calls: 0,
      analyses: 0,
      input_tokens: 0,
      output_tokens: 0,
      cost: 0,
    };
    return {
      from,
      to,
      total: toTotals(total),
      byKind: rows.filter((r) => r.grouping === 0).map((r) => ({ kind: r.kind, ...toTotals(r) })),
    };
  }
}
