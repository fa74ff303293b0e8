// @ts-check
/**
 * Child process: the ceiling of the workflow-list scenario. A bare Fastify server created with the
 * app's own server options (`fastifyOptions(env)`), no logger, no plugins, no hooks, and one route:
 *   GET /workflows -> the statement the app sends for the first page of GET /workflows
 *                     (WorkflowQueriesService.listSql, captured by the scenario: BENCH_LIST_SQL with
 *                     its values in BENCH_LIST_PARAMS, a JSON array), as a named prepared statement
 *                     on a raw pg Pool connected as the owner (DIRECT_DATABASE_URL: no RLS and no
 *                     scope to set; the statement names the tenant itself), sized like
 *                     PrismaService's; the rows mapped to the app's page shape
 *                     ({ data: [summary], page: { nextCursor, limit } }).
 * No authentication: the ceiling of the database read and the HTTP around it.
 * Reports its ephemeral port to the runner over IPC; exits on SIGTERM or when the runner goes.
 */
const { Pool } = require('pg');
const { portOf, runBenchServer } = require('./child');
const dist = require('./dist');

async function main() {
  const { validateEnvironment, fastifyOptions } = dist.platform();
  const env = validateEnvironment(process.env);
  const sql = process.env.BENCH_LIST_SQL;
  const values = JSON.parse(process.env.BENCH_LIST_PARAMS ?? 'null');
  const limit = Number(process.env.BENCH_LIST_LIMIT);
  if (!sql || !Array.isArray(values) || !Number.isInteger(limit)) {
    throw new Error('BENCH_LIST_SQL, BENCH_LIST_PARAMS and BENCH_LIST_LIMIT must be set');
  }
  if (!env.DIRECT_DATABASE_URL) throw new Error('DIRECT_DATABASE_URL must be set');
  /** @type {import('fastify').FastifyInstance} */
  const app = require('fastify')(fastifyOptions(env));

  // The same settings as PrismaService's pool (libs/prisma/src/prisma.service.ts), as the owner.
  const pool = new Pool({
    connectionString: env.DIRECT_DATABASE_URL,
    max: env.DATABASE_POOL_SIZE,
    statement_timeout: env.DATABASE_STATEMENT_TIMEOUT_MS || undefined,
    application_name: 'itinera-bench-bare',
    connectionTimeoutMillis: 10_000,
  });
  pool.on('error', () => undefined);

  app.get('/workflows', async () => {
    const { rows } = await pool.query({ name: 'bench-workflow-list', text: sql, values });
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      data: page.map((r) => ({
        id: r.id,
        documentUrl: r.document_url,
        status: r.status,
        creatorId: r.creator_id,
        creatorType: r.creator_type,
        metadata: r.metadata ?? {},
        progress: {
          total: r.total_recipients,
          completed: r.completed_recipients,
          currentRecipientOrder: r.current_recipient_order,
          percent: r.total_recipients ? Math.floor((100 * r.completed_recipients) / r.total_recipients) : 0,
        },
        expiresAt: r.expires_at,
        finishedAt: r.finished_at,
        cancelReason: r.cancel_reason,
        legalHold: r.legal_hold,
        purgedAt: r.purged_at,
        createdAt: r.created_at,
        updatedAt: r.updated_at,
      })),
      page: {
        nextCursor:
          rows.length > limit && last
            ? Buffer.from(JSON.stringify([last.created_at.toISOString(), last.id])).toString('base64url')
            : null,
        limit,
      },
    };
  });

  const stop = async () => {
    await app.close();
    await pool.end();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());

  await app.listen({ port: 0, host: '127.0.0.1' });
  return portOf(app.server);
}

runBenchServer('list-bare-server', main);
