import type { AppConfig } from '@itinera/platform';

/**
 * Whether MODEL_REVIEW can run here: a provider base URL is configured. The analysis request
 * refuses MODEL_REVIEW with 422 before anything is queued when it is not.
 */
export const modelProviderConfigured = (config: AppConfig): boolean =>
  !!config.get('MODEL_PROVIDER_BASE_URL', { infer: true });
