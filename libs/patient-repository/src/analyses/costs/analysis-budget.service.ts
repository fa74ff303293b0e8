import { Injectable } from '@nestjs/common';
import type { AnalysisKind } from '@prisma/client';
import { AppConfig } from '@itinera/platform';
import type { SqlTx } from '@itinera/prisma';
import { budgetExceeded } from './analysis-costs.errors';
import { costOf, modelPricesOf, roundMoney } from './model-pricing';

/** This month's spending and what pending analyses hold, in the budget's terms. */
export interface BudgetUsage {
  monthlyLimit: number | null;
  updatedAt: Date | null;
  spentThisMonth: number;
  reserved: number;
  periodStart: Date;
  periodEnd: Date;
}

/*
 * Spending is what analysis_costs recorded since the start of the calendar month (UTC, from the
 * transaction's clock); "reserved" is what QUEUED and RUNNING analyses may still spend: their
 * estimate less what they have already recorded (whatever month they were queued in, since
 * they will spend now).
 */
const USAGE_SQL = `
  WITH period AS (SELECT date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS start)
  SELECT period.start AS period_start,
         (period.start AT TIME ZONE 'UTC' + interval '1 month') AT TIME ZONE 'UTC' AS period_end,
         (SELECT coalesce(sum(c.cost), 0)::float8 FROM analysis_costs c
           WHERE c.tenant_id = $1::uuid AND c.created_at >= period.start) AS spent,
         (SELECT coalesce(sum(greatest(a.estimated_cost - a.cost, 0)), 0)::float8 FROM patient_analyses a
           WHERE a.tenant_id = $1::uuid AND a.status IN ('QUEUED', 'RUNNING')) AS reserved
    FROM period`;

interface UsageRow {
  period_start: Date;
  period_end: Date;
  spent: number;
  reserved: number;
}

/**
 * The tenant's monthly budget for model-provider cost: the estimate of an analysis before it is
 * queued, and the reservation that refuses it when the budget cannot cover it.
 */
@Injectable()
export class AnalysisBudgetService {
  constructor(private readonly config: AppConfig) {}

  /**
   * What an analysis of `kind` may cost at most: for MODEL_REVIEW one call of
   * MODEL_PROVIDER_ESTIMATED_INPUT_TOKENS in (the prompt is cut to that size) and
   * MODEL_PROVIDER_MAX_OUTPUT_TOKENS out, at the configured prices; the built-in analysers cost 0.
   */
  estimateCost(kind: AnalysisKind): number {
    if (kind !== 'MODEL_REVIEW') return 0;
    return costOf(
      modelPricesOf(this.config),
      this.config.get('MODEL_PROVIDER_ESTIMATED_INPUT_TOKENS', { infer: true }),
      this.config.get('MODEL_PROVIDER_MAX_OUTPUT_TOKENS', { infer: true }),
    );
  }

  /**
   * Holds `estimatedCost` against the tenant's budget in `tx` (tenant-scoped), or throws 402
   * BUDGET_EXCEEDED with the remaining budget. The budget row is locked FOR UPDATE, so concurrent
   * requests of one tenant reserve one after the other and each sees the analyses the previous
   * ones committed. Call it BEFORE inserting the analysis row with its `estimated_cost` (the row
   * would otherwise count twice), in the transaction that inserts it. No budget row: no limit, no lock.
   */
  async reserve(tx: SqlTx, tenantId: string, estimatedCost: number): Promise<void> {
    const [budget] = await tx.$queryRawUnsafe<{ monthly_limit: number }[]>(
      'SELECT monthly_limit::float8 AS monthly_limit FROM analysis_budgets WHERE tenant_id = $1::uuid FOR UPDATE',
      tenantId,
    );
    if (!budget) return;
    const usage = await this.usageRow(tx, tenantId);
    const committed = roundMoney(usage.spent + usage.reserved);
    if (roundMoney(committed + estimatedCost) <= budget.monthly_limit) return;
    throw budgetExceeded({
      monthlyLimit: budget.monthly_limit,
      spentThisMonth: roundMoney(usage.spent),
      reserved: roundMoney(usage.reserved),
      remainingBudget: Math.max(0, roundMoney(budget.monthly_limit - committed)),
      estimatedCost,
    });
  }

  /** The budget and this month's figures, read in `tx` (tenant-scoped). */
  async usage(tx: SqlTx, tenantId: string): Promise<BudgetUsage> {
    const [budget] = await tx.$queryRawUnsafe<{ monthly_limit: number; updated_at: Date }[]>(
      'SELECT monthly_limit::float8 AS monthly_limit, updated_at FROM analysis_budgets WHERE tenant_id = $1::uuid',
      tenantId,
    );
    const row = await this.usageRow(tx, tenantId);
    return {
      monthlyLimit: budget?.monthly_limit ?? null,
      updatedAt: budget?.updated_at ?? null,
      spentThisMonth: roundMoney(row.spent),
      reserved: roundMoney(row.reserved),
      periodStart: row.period_start,
      periodEnd: row.period_end,
    };
  }

  private async usageRow(tx: SqlTx, tenantId: string): Promise<UsageRow> {
    const [row] = await tx.$queryRawUnsafe<UsageRow[]>(USAGE_SQL, tenantId);
    return row;
  }
}
