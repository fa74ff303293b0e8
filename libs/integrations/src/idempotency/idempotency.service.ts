import { Injectable, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { AppConfig, AppError, KeyRing, toProblem, type FieldError, type Principal } from '@itinera/platform';
import { PrismaService } from '@itinera/prisma';
import { IntegrationsErrorCode } from '../integrations.errors';
import { requestHash } from './canonical-json';

/** The response header that marks an answer replayed from an earlier request with the same key. */
export const IDEMPOTENT_REPLAYED_HEADER = 'idempotent-replayed';
/** The request header clients send. */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
/**
 * A claim without an answer this old is taken as abandoned (its process died mid-request) and may
 * be claimed again; every wrapped operation finishes well within it (database transactions stop at 10 s).
 */
const ABANDONED_CLAIM_SECONDS = 300;

export interface IdempotentRequest {
  tenantId: string;
  /** Whose key it is: the principal's id, or the recipient's on link routes. */
  ownerId: string;
  /** The operation, e.g. `POST /workflows`: one key cannot replay across operations. */
  operation: string;
  /** The Idempotency-Key header; without one the work simply runs. */
  key: string | undefined;
  /** What identifies the request (body, path ids, a file's checksum): hashed as canonical JSON. */
  request: unknown;
}

export interface IdempotentResult<T> {
  status: number;
  body: T;
  /** True when the answer is the stored one of an earlier request (send `Idempotent-Replayed: true`). */
  replayed: boolean;
}

/** The owner of a principal's keys: the user or the API key (keys are never shared between credentials). */
export function principalIdOf(principal: Principal): string {
  return principal.kind === 'user' ? principal.userId : principal.apiKeyId;
}

interface KeyRow {
  id: string;
  claimed: boolean;
  request_hash: Buffer;
  response_status: number | null;
  response_body: { ciphertext: string } | null;
  expired: boolean;
  abandoned: boolean;
}

/** What is stored (encrypted: a first answer may carry secrets such as recipient links). */
type StoredAnswer =
  | { kind: 'response'; body: unknown }
  | {
      kind: 'problem';
      code: string;
      title: string;
      detail?: string;
      errors?: FieldError[];
      extensions?: Record<string, unknown>;
    };

/**
 * Idempotency-Key handling: the first request with a key claims it (INSERT … ON CONFLICT DO
 * NOTHING, so concurrent requests with one key cannot both run), runs, and stores its answer (2xx
 * and 4xx; a server fault releases the claim so the client can retry). A repeat with the same
 * request gets the stored answer; with a different request, 422; while the first still runs, 409.
 * Keys expire after IDEMPOTENCY_TTL_HOURS (an expired key counts as absent; a job purges them).
 */
@Injectable()
export class IdempotencyService {
  private readonly logger = new Logger(IdempotencyService.name);

  constructor(
    private readonly prisma: PrismaService,
    private readonly keyRing: KeyRing,
    private readonly config: AppConfig,
  ) {}

  async run<T>(
    request: IdempotentRequest,
    work: () => Promise<{ status: number; body: T }>,
  ): Promise<IdempotentResult<T>> {
    if (request.key === undefined) return { ...(await work()), replayed: false };
    if (!KEY_PATTERN.test(request.key)) {
      throw new AppError(IntegrationsErrorCode.InvalidIdempotencyKey, 400, 'Bad Request', {
        detail: 'The Idempotency-Key header must be 1 to 255 visible ASCII characters.',
        errors: [{ field: 'Idempotency-Key', message: 'must be 1 to 255 visible ASCII characters' }],
      });
    }
    const hash = requestHash(request.request);
    const row = await this.claim(request, hash);
    if (!row.claimed) return this.replay(row, hash);

    let outcome: { status: number; body: T };
    try {
      outcome = await work();
    } catch (error) {
      const problem = toProblem(error);
      if (problem.status >= 400 && problem.status < 500) {
        await this.store(request.tenantId, row.id, problem.status, {
          kind: 'problem',
          code: problem.code,
          title: problem.title,
          detail: problem.detail,
          errors: problem.errors,
          extensions: problem.extensions,
        });
      } else {
        await this.release(request.tenantId, row.id);
      }
      throw error;
    }
    if (outcome.status >= 500) await this.release(request.tenantId, row.id);
    else await this.store(request.tenantId, row.id, outcome.status, { kind: 'response', body: outcome.body });
    return { ...outcome, replayed: false };
  }

  /** For controllers (with `@Res({ passthrough: true })`): marks a replayed answer and returns its body. */
  respond<T>(reply: FastifyReply, result: IdempotentResult<T>): T {
    if (result.replayed) void reply.header(IDEMPOTENT_REPLAYED_HEADER, 'true');
    return result.body;
  }

  /** Expired keys of one tenant, in batches; returns how many went. */
  async purgeExpired(tenantId: string, batchSize = 10_000): Promise<number> {
    let deleted = 0;
    for (;;) {
      const rows = await this.prisma.tenantQuery<{ id: string }>(
        `DELETE FROM idempotency_keys WHERE id IN (
           SELECT id FROM idempotency_keys WHERE expires_at <= now() LIMIT $1) RETURNING id`,
        [batchSize],
        { tenantId },
      );
      deleted += rows.length;
      if (rows.length < batchSize) return deleted;
    }
  }

  /** The key's row: ours when `claimed`; an expired or abandoned row is deleted and claimed again. */
  private async claim(request: IdempotentRequest, hash: Buffer): Promise<KeyRow> {
    const ttlSeconds = Math.round(this.config.get('IDEMPOTENCY_TTL_HOURS', { infer: true }) * 3600);
    for (let round = 0; round < 5; round++) {
      // The SELECT half sees the statement's snapshot: a row committed by a concurrent claimer
      // while our INSERT waited on it is invisible to it, so nothing comes back; the next round sees it.
      const [row] = await this.prisma.tenantQuery<KeyRow>(
        `WITH claimed AS (
           INSERT INTO idempotency_keys (tenant_id, owner_id, operation, key, request_hash, expires_at)
           VALUES ($1::uuid, $2::uuid, $3, $4, $5, now() + make_interval(secs => $6))
           ON CONFLICT (tenant_id, owner_id, operation, key) DO NOTHING
           RETURNING id, true AS claimed, request_hash, response_status, response_body, false AS expired, false AS abandoned)
         SELECT * FROM claimed
         UNION ALL
         SELECT id, false, request_hash, response_status, response_body, expires_at <= now(),
                response_status IS NULL AND created_at < now() - make_interval(secs => $7)
           FROM idempotency_keys
          WHERE tenant_id = $1::uuid AND owner_id = $2::uuid AND operation = $3 AND key = $4
            AND NOT EXISTS (SELECT 1 FROM claimed)`,
        [request.tenantId, request.ownerId, request.operation, request.key, hash, ttlSeconds, ABANDONED_CLAIM_SECONDS],
        { tenantId: request.tenantId },
      );
      if (!row) continue;
      if (row.claimed) return row;
      if (!row.expired && !row.abandoned) return row;
      await this.prisma.tenantQuery(
        'DELETE FROM idempotency_keys WHERE id = $1::uuid AND request_hash = $2',
        [row.id, row.request_hash],
        {
          tenantId: request.tenantId,
        },
      );
    }
    throw this.inProgress();
  }

  private replay<T>(row: KeyRow, hash: Buffer): IdempotentResult<T> {
    if (!row.request_hash.equals(hash)) {
      throw new AppError(IntegrationsErrorCode.IdempotencyKeyReused, 422, 'Unprocessable Content', {
        detail: 'This Idempotency-Key was already used with a different request. Use a new key for a new request.',
      });
    }
    if (row.response_status === null || !row.response_body) throw this.inProgress();
    const stored = JSON.parse(
      this.keyRing.decrypt(row.response_body.ciphertext, row.id).toString('utf8'),
    ) as StoredAnswer;
    if (stored.kind === 'problem') {
      throw new AppError(stored.code, row.response_status, stored.title, {
        detail: stored.detail,
        errors: stored.errors,
        extensions: stored.extensions,
        headers: { [IDEMPOTENT_REPLAYED_HEADER]: 'true' },
      });
    }
    return { status: row.response_status, body: stored.body as T, replayed: true };
  }

  private inProgress(): AppError {
    return new AppError(IntegrationsErrorCode.IdempotencyRequestInProgress, 409, 'Conflict', {
      detail: 'A request with this Idempotency-Key is still being processed. Retry after it finishes.',
      headers: { 'retry-after': '1' },
    });
  }

  private async store(tenantId: string, id: string, status: number, answer: StoredAnswer): Promise<void> {
    // The id is the AAD: a stored answer copied to another key does not decrypt.
    const ciphertext = this.keyRing.encrypt(JSON.stringify(answer), id);
    await this.prisma.tenantQuery(
      'UPDATE idempotency_keys SET response_status = $2, response_body = $3::jsonb WHERE id = $1::uuid',
      [id, status, JSON.stringify({ ciphertext })],
      { tenantId },
    );
  }

  /** After a server fault: the claim goes, so a retry with the same key runs again. */
  private async release(tenantId: string, id: string): Promise<void> {
    await this.prisma
      .tenantQuery('DELETE FROM idempotency_keys WHERE id = $1::uuid AND response_status IS NULL', [id], { tenantId })
      .catch((error: unknown) => this.logger.warn({ err: error }, 'could not release an idempotency key'));
  }
}
