import type { AppConfig } from '@itinera/platform';

/** Prices of the model provider per 1,000 tokens, from MODEL_PRICE_INPUT_PER_1K / MODEL_PRICE_OUTPUT_PER_1K. */
export interface ModelPrices {
  inputPer1k: number;
  outputPer1k: number;
}

export const modelPricesOf = (config: AppConfig): ModelPrices => ({
  inputPer1k: config.get('MODEL_PRICE_INPUT_PER_1K', { infer: true }),
  outputPer1k: config.get('MODEL_PRICE_OUTPUT_PER_1K', { infer: true }),
});

/** Money as stored (DECIMAL(14,6)): rounded to millionths. */
export const roundMoney = (amount: number) => Math.round(amount * 1e6) / 1e6;

/** tokens / 1000 × price, per direction, rounded as stored. */
export function costOf(prices: ModelPrices, inputTokens: number, outputTokens: number): number {
  return roundMoney((inputTokens / 1000) * prices.inputPer1k + (outputTokens / 1000) * prices.outputPer1k);
}
