import { AppError, PlatformErrorCode } from '@itinera/platform';
import { PatientErrorCode } from '../../patient-repository.errors';

/** Codes of the problems the analysis budget answers with. */
export enum AnalysisCostsErrorCode {
  /**
   * The analysis's estimated model-provider cost, added to this month's spending and to what queued
   * and running analyses have reserved, would pass the tenant's monthly budget (402; nothing queued).
   */
  BudgetExceeded = 'BUDGET_EXCEEDED',
}

export interface BudgetFigures {
  monthlyLimit: number;
  spentThisMonth: number;
  reserved: number;
  remainingBudget: number;
  estimatedCost: number;
}

export const budgetExceeded = (figures: BudgetFigures) =>
  new AppError(AnalysisCostsErrorCode.BudgetExceeded, 402, 'Payment Required', {
    detail:
      `This analysis is estimated at ${figures.estimatedCost} and ${figures.remainingBudget} of this month's ` +
      `model-provider budget of ${figures.monthlyLimit} remains.`,
    extensions: { ...figures },
  });

export const noBudget = () =>
  new AppError(PatientErrorCode.NotFound, 404, 'Not Found', { detail: 'The tenant has no analysis budget.' });

export const invalidCostRange = () =>
  new AppError(PlatformErrorCode.ValidationFailed, 400, 'Validation failed', {
    detail: '`from` must be before `to`.',
    errors: [{ field: 'from', message: 'must be before to' }],
  });
