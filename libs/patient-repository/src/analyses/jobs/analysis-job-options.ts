import type { AppConfig } from '@itinera/platform';

/** The Bull options of one analysis job, from ANALYSIS_ATTEMPTS, ANALYSIS_BACKOFF_MS and ANALYSIS_TIMEOUT_MS. */
export function analysisJobOptions(config: AppConfig) {
  return {
    attempts: config.get('ANALYSIS_ATTEMPTS', { infer: true }),
    backoffMs: config.get('ANALYSIS_BACKOFF_MS', { infer: true }),
    timeoutMs: config.get('ANALYSIS_TIMEOUT_MS', { infer: true }),
  };
}
