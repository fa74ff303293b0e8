// @ts-check
/**
 * Child process: the ceiling. A bare Fastify server created with the app's own server options
 * (`fastifyOptions(env)`: body limit, trustProxy, request-id generation, return503OnClosing...),
 * with no logger, no plugins and no hooks:
 *   GET /health/live     -> {"status":"ok"}, as the API's liveness route
 *   GET /bench/db/pg/:id -> the statement Prisma sends for outboxMessage.findUnique, through a raw
 *                           pg Pool configured like PrismaService's (only when BENCH_DB_SQL is set)
 * Reports its ephemeral port to the runner over IPC; exits on SIGTERM or when the runner goes.
 */
const { Pool } = require('pg');
const { portOf, runBenchServer } = require('./child');
const dist = require('./dist');
const { lookupFromEnv } = require('./db-lookup');

async function main() {
  const { validateEnvironment, fastifyOptions } = dist.platform();
  const env = validateEnvironment(process.env);
  /** @type {import('fastify').FastifyInstance} */
  const app = require('fastify')(fastifyOptions(env));

  app.get('/health/live', async () => ({ status: 'ok' }));

  /** @type {Pool | undefined} */
  let pool;
  if (process.env.BENCH_DB_SQL) {
    const lookup = lookupFromEnv();
    // The same settings as PrismaService's pool (libs/prisma/src/prisma.service.ts).
    const db = new Pool({
      connectionString: env.DATABASE_URL,
      max: env.DATABASE_POOL_SIZE,
      statement_timeout: env.DATABASE_STATEMENT_TIMEOUT_MS || undefined,
      application_name: 'itinera-bench-bare',
      connectionTimeoutMillis: 10_000,
    });
    db.on('error', () => undefined);
    pool = db;
    app.get('/bench/db/pg/:id', async (request, reply) => {
      const { id } = /** @type {{ id: string }} */ (request.params);
      const { rows } = await db.query(lookup.sql, lookup.paramsFor(id));
      if (!rows[0]) return reply.code(404).send({ status: 404, title: 'Not Found' });
      return rows[0];
    });
  }

  const stop = async () => {
    await app.close();
    await pool?.end();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());

  await app.listen({ port: 0, host: '127.0.0.1' });
  return portOf(app.server);
}

runBenchServer('bare-server', main);
