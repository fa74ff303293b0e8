/** SQLSTATEs after which the whole transaction can simply be run again. */
const RETRYABLE_SQLSTATES = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
]);

/** Prisma's code for "transaction failed due to a write conflict or a deadlock". */
const PRISMA_WRITE_CONFLICT = 'P2034';

/**
 * Whether `error` is a serialization failure or deadlock, however it arrived: Prisma's P2034,
 * a raw-query error carrying the SQLSTATE in `meta`, the driver adapter's original code, or a
 * plain `pg` error.
 */
export function isRetryableTransactionError(error: unknown): boolean {
  const e = error as {
    code?: unknown;
    meta?: {
      code?: unknown;
      driverAdapterError?: { cause?: { originalCode?: unknown } };
    };
    cause?: { code?: unknown; originalCode?: unknown };
  };
  if (!e || typeof e !== 'object') return false;
  if (e.code === PRISMA_WRITE_CONFLICT) return true;
  const codes = [
    e.code,
    e.meta?.code,
    e.meta?.driverAdapterError?.cause?.originalCode,
    e.cause?.code,
    e.cause?.originalCode,
  ];
  return codes.some((c) => typeof c === 'string' && RETRYABLE_SQLSTATES.has(c));
}

/** Full-jitter exponential backoff: a random wait in [0, min(cap, base * 2^(attempt-1))). */
export function retryDelayMs(attempt: number, baseMs = 20, capMs = 1_000): number {
  return Math.floor(Math.random() * Math.min(capMs, baseMs * 2 ** (attempt - 1)));
}
