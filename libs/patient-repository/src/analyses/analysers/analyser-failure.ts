/**
 * An analyser's failure with a stable code (stored on the analysis as `error_code`) and a message
 * free of health data. `retryable` tells the job whether another attempt can help: a provider that
 * timed out or answered junk may do better next time; a provider that refuses the key will not.
 * Any other error an analyser throws is a fault of ours and the job treats it as retryable.
 */
export class AnalyserFailure extends Error {
  constructor(
    /** Upper-case code, at most 60 characters, e.g. MODEL_ANSWER_INVALID. */
    readonly code: string,
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AnalyserFailure';
  }
}
