// @ts-check
/**
 * Child process: the ceiling of the recipient-link scenario. A bare Fastify server created with the
 * app's own server options (`fastifyOptions(env)`), no logger, no plugins, no hooks, and one route:
 *   GET /r/:token -> what the app sends for a link view, the same way: SHA-256 of the token (capped
 *                    at 128 characters, as the app does), then the named prepared statement
 *                    `SELECT * FROM recipient_link_lookup($1, $2)` (token hash, no grant) on a raw
 *                    pg Pool connected as the app role (DATABASE_URL) and sized like PrismaService's;
 *                    a 404 when there is no row or the token is malformed; otherwise the same JSON
 *                    body the app answers (recipient, workflow, attachments), with the form schema
 *                    of the recipient's type taken from BENCH_LINK_FORM_SCHEMAS (a JSON object by
 *                    type, captured by the scenario from the app's own answers).
 * The statement's name and text are LINK_LOOKUP below, the same as RecipientLinkResolver's; the
 * scenario checks that the built resolver still sends exactly this text.
 * Reports its ephemeral port to the runner over IPC; exits on SIGTERM or when the runner goes.
 */
const { createHash } = require('node:crypto');
const { Pool } = require('pg');
const { portOf, runBenchServer } = require('./child');
const dist = require('./dist');

const LINK_LOOKUP = { name: 'recipient_link_lookup', text: 'SELECT * FROM recipient_link_lookup($1, $2)' };
const MAX_HASHED_LENGTH = 128;
const TOKEN_PATTERN = /^[a-z2-7]{32}$/;

async function main() {
  const { validateEnvironment, fastifyOptions } = dist.platform();
  const env = validateEnvironment(process.env);
  /** @type {Record<string, unknown>} */
  const formSchemas = JSON.parse(process.env.BENCH_LINK_FORM_SCHEMAS ?? '{}');
  /** @type {import('fastify').FastifyInstance} */
  const app = require('fastify')(fastifyOptions(env));

  // The same settings as PrismaService's pool (libs/prisma/src/prisma.service.ts), as the app role.
  const pool = new Pool({
    connectionString: env.DATABASE_URL,
    max: env.DATABASE_POOL_SIZE,
    statement_timeout: env.DATABASE_STATEMENT_TIMEOUT_MS || undefined,
    application_name: 'itinera-bench-bare',
    connectionTimeoutMillis: 10_000,
  });
  pool.on('error', () => undefined);

  app.get('/r/:token', async (request, reply) => {
    const { token } = /** @type {{ token: string }} */ (request.params);
    const candidate = token.slice(0, MAX_HASHED_LENGTH);
    const hash = createHash('sha256').update(candidate).digest();
    const { rows } = await pool.query({ ...LINK_LOOKUP, values: [hash, null] });
    const row = rows[0];
    if (!row || !TOKEN_PATTERN.test(candidate) || candidate !== token) {
      return reply.code(404).send({ status: 404, title: 'Not Found' });
    }
    const yourTurn =
      row.session_status === 'ACTIVE' &&
      row.order_index === row.current_recipient_order &&
      row.recipient_status !== 'COMPLETED' &&
      row.recipient_status !== 'DECLINED';
    return {
      verificationRequired: false,
      recipient: {
        id: row.recipient_id,
        type: row.recipient_type,
        name: row.name,
        status: row.recipient_status,
        orderIndex: row.order_index,
        formSchema: row.recipient_type === 'CUSTOM' ? row.form_schema : formSchemas[row.recipient_type],
        formData: row.form_data ?? {},
        accessedAt: row.accessed_at,
        completedAt: row.completed_at,
      },
      workflow: {
        id: row.session_id,
        status: row.session_status,
        documentUrl: row.document_url,
        expiresAt: row.expires_at,
        currentRecipientOrder: row.current_recipient_order,
        yourTurn,
        total: row.total_recipients,
        completed: row.completed_recipients,
      },
      attachments: row.attachments.map((/** @type {{ fileSize: number | string }} */ a) => ({
        ...a,
        fileSize: Number(a.fileSize),
      })),
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

module.exports = { LINK_LOOKUP };

if (require.main === module) runBenchServer('link-bare-server', main);
