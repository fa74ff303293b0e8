import { AppError, PlatformErrorCode } from '@itinera/platform';
import type { AccessRefusal } from '../access/patient-record-access.service';

/** Codes of the problems the analysis routes answer with, besides the domain's (patient-repository.errors.ts). */
export enum AnalysisErrorCode {
  /** MODEL_REVIEW was asked for while no model provider is configured (MODEL_PROVIDER_BASE_URL). */
  ModelProviderNotConfigured = 'MODEL_PROVIDER_NOT_CONFIGURED',
  /** Cancelling an analysis that finished (COMPLETED, FAILED or CANCELLED). */
  AnalysisFinished = 'ANALYSIS_FINISHED',
  /** Cancelling an analysis one neither requested nor is the record's patient of. */
  NotTheRequester = 'NOT_THE_REQUESTER',
}

export const modelProviderNotConfigured = (field = 'kind') =>
  new AppError(AnalysisErrorCode.ModelProviderNotConfigured, 422, 'Unprocessable Entity', {
    detail: 'MODEL_REVIEW needs a model provider; this deployment has none configured.',
    errors: [{ field, message: 'MODEL_REVIEW is not available: no model provider is configured' }],
  });

/** A batch longer than ANALYSIS_BATCH_MAX_ITEMS: a validation problem naming `items`. */
export const batchTooLarge = (max: number) =>
  new AppError(PlatformErrorCode.ValidationFailed, 400, 'Bad Request', {
    detail: `A batch holds at most ${max} analyses (ANALYSIS_BATCH_MAX_ITEMS).`,
    errors: [{ field: 'items', message: `must contain no more than ${max} elements` }],
  });

/**
 * Items of a batch the consent check refused (nothing was queued): the first refusal's status and
 * code (404 for a record the caller may not know of, 403 when they may), every refused item named
 * in `errors` as `items[i].repositoryId` with what a single request would have answered.
 */
export const batchItemsRefused = (refusals: AccessRefusal[]) => {
  const [first] = refusals;
  const field = (index: number) => `items[${index}].repositoryId`;
  const detailOf = (error: AppError) => error.detail ?? error.title;
  return new AppError(first.error.code, first.error.status, first.error.title, {
    detail:
      `${field(first.index)}: ${detailOf(first.error)}` +
      (refusals.length > 1 ? ` (${refusals.length} items refused; nothing was queued)` : ' (nothing was queued)'),
    errors: refusals.map((r) => ({ field: field(r.index), message: `${r.error.code}: ${detailOf(r.error)}` })),
    extensions: first.error.extensions,
  });
};

export const analysisFinished = (status: string) =>
  new AppError(AnalysisErrorCode.AnalysisFinished, 409, 'Conflict', {
    detail: `The analysis is ${status} already; only QUEUED or RUNNING analyses can be cancelled.`,
    extensions: { status },
  });

export const notTheRequester = () =>
  new AppError(AnalysisErrorCode.NotTheRequester, 403, 'Forbidden', {
    detail: "Only the user who requested the analysis, or the record's patient, may cancel it.",
  });

/**
 * Why an analysis attempt failed, as stored in patient_analyses.error_code and analysis_runs: a
 * fixed code and a fixed sentence per code, never the error's own message (which might quote the
 * record).
 */
export const ANALYSIS_FAILURES = {
  CONSENT_REVOKED: 'The consent grant the analysis was requested under no longer covers its categories.',
  RECORD_UNAVAILABLE: 'The record can no longer be read (erased, or its patient no longer verified).',
  TIMEOUT: 'An attempt ran longer than ANALYSIS_TIMEOUT_MS.',
  ANALYSER_ERROR: 'The analyser failed.',
} as const;
