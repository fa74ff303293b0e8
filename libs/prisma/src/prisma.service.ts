import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Prisma, PrismaClient } from '@prisma/client';
import { PrismaPg } from '@prisma/adapter-pg';
import { Pool, type QueryConfig, type QueryResult, type QueryResultRow } from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppConfig, MetricsRegistry } from '@itinera/platform';
import { sendPipelined } from './pipelined-query';
import { currentScope, SET_SCOPE_SQL, type DatabaseScope } from './tenant-scope';
import { queryDurationHistogram, registerPoolGauges, statementDurationRecorder } from './query-metrics';
import { timedPgClient } from './timed-pg-client';
import { isRetryableTransactionError, retryDelayMs } from './transaction-retry';

/** The client a unit of work receives inside `PrismaService.transaction`. */
export type Tx = Prisma.TransactionClient;

/**
 * A transaction that raw SQL can be written in: Prisma's (`Tx`) or a PgTransaction's `raw`. Services
 * that only send raw statements (the audit log, the outbox, the analysis budget) take this, so they
 * can join either kind of transaction, and the compiler stops them from using Prisma's models in it.
 */
export interface SqlTx {
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
  $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>;
}

export interface TransactionOptions extends DatabaseScope {
  /** Defaults to PostgreSQL's READ COMMITTED. */
  isolationLevel?: Prisma.TransactionIsolationLevel;
  /** Runs of the whole unit of work before a serialization failure or deadlock is given up (default 5). */
  maxAttempts?: number;
  /** Longest a single run may take before Prisma rolls it back (default 10 s). */
  timeoutMs?: number;
}

/** A Prisma client whose every operation runs in its own transaction scoped to the context's tenant. */
export type TenantScopedClient = ReturnType<PrismaService['createTenantClient']>;

/** Where the database is, without the password, for messages. */
function describeTarget(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || 5432}${u.pathname}`;
  } catch {
    return 'the configured database';
  }
}

/**
 * The one PrismaClient of a process (ghostfolio's pattern): the pg driver adapter over a pool sized
 * by DATABASE_POOL_SIZE, which hot paths may also use directly through `query()`; connected with a
 * bounded retry at start; every statement timed into `db_query_duration_seconds` and logged when
 * slower than DATABASE_SLOW_QUERY_MS (SQL text only, never parameters).
 */
@Injectable()
export class PrismaService extends PrismaClient implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(PrismaService.name);
  /** The pg pool under Prisma; for set-based or prepared SQL on hot paths, through `query()`. */
  readonly pool: Pool;
  /**
   * Prisma, scoped to the tenant of the current request or job: each operation runs in a
   * transaction that first sets `app.tenant_id`, so row-level security shows that tenant's rows
   * only. For several operations that belong together, use `tenantTransaction`. (`prisma.tenant` is
   * the tenants registry model, hence the name.)
   */
  readonly scoped: TenantScopedClient;

  constructor(
    private readonly config: AppConfig,
    metrics: MetricsRegistry,
  ) {
    const slowQueryMs = config.get('DATABASE_SLOW_QUERY_MS', { infer: true });
    const recordDuration = statementDurationRecorder(queryDurationHistogram(metrics));
    const logger = new Logger(PrismaService.name);
    const pool = new Pool({
      // Every statement, Prisma's or raw, is timed at the driver.
      Client: timedPgClient((sql, durationMs) => {
        recordDuration(sql, durationMs);
        if (slowQueryMs > 0 && durationMs >= slowQueryMs) {
          logger.warn({ durationMs: Math.round(durationMs), sql: sql.slice(0, 2_000) }, 'slow query');
        }
      }),
      connectionString: config.get('DATABASE_URL', { infer: true }),
      max: config.get('DATABASE_POOL_SIZE', { infer: true }),
      statement_timeout: config.get('DATABASE_STATEMENT_TIMEOUT_MS', { infer: true }) || undefined,
      application_name: 'itinera',
      connectionTimeoutMillis: 10_000,
    });
    super({ adapter: new PrismaPg(pool) });
    this.pool = pool;
    registerPoolGauges(metrics, pool);
    // An idle connection that the server closed (restart, failover) is dropped and replaced on
    // next use; without a listener pg-pool would crash the process.
    pool.on('error', (error) => this.logger.warn({ err: error }, 'idle database connection lost'));
    this.scoped = this.createTenantClient();
  }

  private createTenantClient() {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const base = this;
    return this.$extends({
      name: 'tenant-scope',
      query: {
        $allModels: {
          async $allOperations({ args, query }) {
            const scope = currentScope();
            const [, result] = await base.$transaction([
              base.$queryRawUnsafe(SET_SCOPE_SQL, scope.tenantId ?? '', scope.scope ?? ''),
              query(args),
            ]);
            return result;
          },
        },
      },
    });
  }

  async onModuleInit(): Promise<void> {
    await this.waitForDatabase();
  }

  /**
   * Last in the shutdown: Nest has drained HTTP and the worker has let running jobs finish
   * (beforeApplicationShutdown) by the time the pool closes.
   */
  async onApplicationShutdown(): Promise<void> {
    await this.$disconnect();
    await this.pool.end();
  }

  /**
   * Runs `work` in one transaction at `isolationLevel`, running it again (with jittered backoff)
   * after a serialization failure or deadlock. `work` may therefore run more than once: keep it to
   * database work, and put anything that must follow the commit in the outbox.
   */
  async transaction<T>(work: (tx: Tx) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const maxAttempts = options.maxAttempts ?? 5;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.$transaction(work, {
          isolationLevel: options.isolationLevel,
          timeout: options.timeoutMs ?? 10_000,
          maxWait: 5_000,
        });
      } catch (error) {
        if (attempt >= maxAttempts || !isRetryableTransactionError(error)) throw error;
        const delay = retryDelayMs(attempt);
        this.logger.debug({ attempt, delay }, 'transaction conflicted; running it again');
        await sleep(delay);
      }
    }
  }

  /**
   * `transaction`, scoped: the unit of work sees only the rows of the tenant in context (or
   * `options.tenantId`), or platform rows with `options.scope = 'platform'`. Every change a tenant
   * makes goes through here or `scoped`, never through the unscoped client.
   */
  tenantTransaction<T>(work: (tx: Tx) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const scope = currentScope(options);
    return this.transaction(async (tx) => {
      await tx.$queryRawUnsafe(SET_SCOPE_SQL, scope.tenantId ?? '', scope.scope ?? '');
      return work(tx);
    }, options);
  }

  /**
   * A scoped statement in one round trip, for hot paths: the scope's `set_config` and the statement
   * go out as prepared statements before a single Sync, which PostgreSQL runs as one implicit
   * transaction, so the scope (set locally) holds for the statement and ends with it (see
   * PipelinedQuery). `sql` is written in code; values are bound parameters.
   */
  async tenantQuery<R extends QueryResultRow = QueryResultRow>(
    sql: string,
    values: readonly unknown[] = [],
    scope?: DatabaseScope,
  ): Promise<R[]> {
    const { tenantId, scope: platform } = currentScope(scope);
    const client = await this.pool.connect();
    let failure: Error | undefined;
    try {
      const statement = { text: sql, values };
      const results = await sendPipelined(
        client,
        [{ text: SET_SCOPE_SQL, values: [tenantId ?? '', platform ?? ''] }, statement],
        [statement],
      );
      return results[results.length - 1].rows as R[];
    } catch (error) {
      failure = error as Error;
      throw error;
    } finally {
      // As pool.query does: a connection that saw an error is not reused.
      client.release(failure);
    }
  }

  /** A raw query on the shared pool (timed like every statement), for hot paths where Prisma's cost matters. */
  query<R extends QueryResultRow = QueryResultRow>(
    query: QueryConfig | string,
    values?: unknown[],
  ): Promise<QueryResult<R>> {
    return this.pool.query<R>(query as QueryConfig, values);
  }

  /** PostgreSQL may still be starting (compose, embedded): retry with backoff for a bounded time. */
  private async waitForDatabase(): Promise<void> {
    const timeoutMs = this.config.get('DATABASE_STARTUP_TIMEOUT_MS', {
      infer: true,
    });
    const target = describeTarget(this.config.get('DATABASE_URL', { infer: true }));
    const deadline = Date.now() + timeoutMs;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.pool.query('SELECT 1');
        return;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (Date.now() >= deadline) {
          throw new Error(`PostgreSQL at ${target} did not answer within ${timeoutMs} ms: ${message}`);
        }
        this.logger.warn(`PostgreSQL at ${target} is not answering yet (${message}); retrying`);
        await sleep(Math.min(2_000, 100 * 2 ** attempt));
      }
    }
  }
}
