import { AnalyserFailure } from '../analysers/analyser-failure';

/** Codes of the model provider's failures (stored on a FAILED analysis; never with the prompt or the answer). */
export enum ModelProviderErrorCode {
  /** The job ran a MODEL_REVIEW while MODEL_PROVIDER_BASE_URL is unset (the request is refused with 422 first). */
  NotConfigured = 'MODEL_PROVIDER_NOT_CONFIGURED',
  /** No answer within MODEL_PROVIDER_TIMEOUT_MS (retried). */
  Timeout = 'MODEL_PROVIDER_TIMEOUT',
  /** The connection failed (DNS, refused, reset) (retried). */
  Unreachable = 'MODEL_PROVIDER_UNREACHABLE',
  /** 408, 429 or 5xx: the provider is busy or failing (retried). */
  Unavailable = 'MODEL_PROVIDER_UNAVAILABLE',
  /** Any other 4xx (bad key, unknown model): configuration to fix, so not retried. */
  Rejected = 'MODEL_PROVIDER_REJECTED',
  /** The HTTP answer is not a chat completion (not JSON, no choices) (retried). */
  BadResponse = 'MODEL_PROVIDER_BAD_RESPONSE',
  /** The completion is not the JSON findings asked for (retried: the model may do better). */
  AnswerInvalid = 'MODEL_ANSWER_INVALID',
}

export class ModelProviderError extends AnalyserFailure {
  constructor(code: ModelProviderErrorCode, message: string, retryable: boolean, options?: { cause?: unknown }) {
    super(code, message, retryable, options);
    this.name = 'ModelProviderError';
  }
}
