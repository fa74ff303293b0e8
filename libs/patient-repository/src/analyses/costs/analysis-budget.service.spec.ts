import type { AppConfig } from '@itinera/platform';
import { AnalysisBudgetService } from './analysis-budget.service';
import { costOf } from './model-pricing';

const config = {
  get: (key: string) =>
    ({
      MODEL_PRICE_INPUT_PER_1K: 0.00015,
      MODEL_PRICE_OUTPUT_PER_1K: 0.0006,
      MODEL_PROVIDER_ESTIMATED_INPUT_TOKENS: 4000,
      MODEL_PROVIDER_MAX_OUTPUT_TOKENS: 1000,
    })[key],
} as unknown as AppConfig;

describe('model-provider cost', () => {
  it('is tokens / 1000 × price per direction, in millionths', () => {
    expect(costOf({ inputPer1k: 0.00015, outputPer1k: 0.0006 }, 1200, 300)).toBe(0.00036);
    expect(costOf({ inputPer1k: 0.01, outputPer1k: 0.03 }, 1, 1)).toBe(0.00004);
    expect(costOf({ inputPer1k: 0, outputPer1k: 0 }, 5000, 5000)).toBe(0);
  });

  it('estimates a MODEL_REVIEW at the estimated input and the maximum output, and the built-in analysers at 0', () => {
    const budget = new AnalysisBudgetService(config);
    expect(budget.estimateCost('MODEL_REVIEW')).toBe(0.0012);
    for (const kind of [
      'RECORD_SUMMARY',
      'VITAL_SIGNS',
      'DRUG_ALLERGY',
      'DUPLICATE_THERAPY',
      'IMMUNIZATIONS',
    ] as const) {
      expect(budget.estimateCost(kind)).toBe(0);
    }
  });
});
