import { applyDecorators } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import { ApiProblems } from '@itinera/platform';

/**
 * Documents the optional `Idempotency-Key` header of a route wrapped in IdempotencyService.run,
 * with the problems it adds (400 malformed key, 409 first request still running, 422 key reused).
 */
export function IdempotencyKeyHeader() {
  return applyDecorators(
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        'A unique key (1 to 255 visible ASCII characters) that makes retries safe: a repeat with the same key and the ' +
        'same request returns the first answer (with `Idempotent-Replayed: true`) instead of acting again. Keys are ' +
        'kept for IDEMPOTENCY_TTL_HOURS (24 by default).',
      schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7E]+$' },
    }),
    ApiProblems({
      409: 'A request with this Idempotency-Key is still being processed (IDEMPOTENCY_REQUEST_IN_PROGRESS)',
      422: 'The Idempotency-Key was used before with a different request (IDEMPOTENCY_KEY_REUSED)',
    }),
  );
}
