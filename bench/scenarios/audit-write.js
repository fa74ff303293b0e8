// @ts-check
/**
 * audit-write: what the per-entry hash chain costs audit writes. Every insert goes into ONE
 * tenant's chain, each in its own transaction, from connections of the app role (row-level
 * security applies), through raw `pg` in the runner's process (no HTTP, no app):
 *   - "no chain" (the ceiling): the audit_log_chain trigger disabled by the owner; seq comes from a
 *     sequence instead, so the (tenant_id, seq) unique index is still maintained as it is with the chain
 *   - "chain": the trigger on, as in production: each insert updates the chain's head row
 *     (audit_chain_heads) and holds its lock until commit, so one tenant's writers queue behind one
 *     another for the length of a commit
 * in two transaction shapes:
 *   - 1 round trip: set_config and the INSERT as one simple-protocol string (one implicit
 *     transaction, as prisma.tenantQuery's single Sync gives)
 *   - 4 round trips: BEGIN, set_config, INSERT (extended protocol, AuditService's statement),
 *     COMMIT, as a transaction through PrismaService.tenantTransaction does
 * at 1 connection (the trigger's own cost) and at BENCH_CONNECTIONS (contention on the head).
 * Variants alternate (no chain, chain, chain, no chain) within each pair of rounds. "req/s" is
 * inserts per second; no target in DESIGN.md (the issue asks whether the chain costs too much).
 *
 * In the runner: `npm run bench -- audit-write`. Alone:
 * `node bench/scenarios/audit-write.js` makes, migrates and drops a database of its own on the
 * PostgreSQL that `npm start` would use (DATABASE_URL / DIRECT_DATABASE_URL, .env, or embedded).
 */
const { Client } = require('pg');
const { resultRow } = require('../lib/harness');

const CHAIN_TRIGGER = 'audit_log_chain';
const SEQUENCE = 'bench_audit_seq';

/** Columns and values of one entry, like a typical change recorded by AuditService. */
const COLUMNS =
  'tenant_id, actor_type, actor_id, action, resource_type, resource_id, before, after, metadata, ip, user_agent, request_id';
/** @param {string} tenantId */
const valuesOf = (tenantId) => [
  tenantId,
  'USER',
  '5b0d9a52-3f7e-4c55-9d0e-2f1b0f4c1a77',
  'workflow.cancelled',
  'workflow',
  '9a1f4a0c-6a64-4b59-8a8e-3b9f1f0d2c11',
  JSON.stringify({ status: 'ACTIVE', currentRecipientOrder: 2 }),
  JSON.stringify({ status: 'CANCELLED', currentRecipientOrder: 2 }),
  null,
  '203.0.113.7',
  'Mozilla/5.0 (X11; Linux x86_64) bench',
  'bench-request-id',
];
/** AuditService's statement (extended protocol). */
const INSERT_SQL = `INSERT INTO audit_log (${COLUMNS})
  VALUES ($1::uuid, $2::"AuditActorType", $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9::jsonb, $10::inet, $11, $12)`;
const INSERT_SQL_WITH_SEQ = `INSERT INTO audit_log (${COLUMNS}, seq)
  VALUES ($1::uuid, $2::"AuditActorType", $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9::jsonb, $10::inet, $11, $12, nextval('${SEQUENCE}'))`;

/** @param {unknown} v */
const literal = (v) => (v === null ? 'NULL' : `'${String(v).replace(/'/g, "''")}'`);

/**
 * @typedef {object} Shape
 * @property {string} label
 * @property {(client: Client, chain: boolean) => Promise<unknown>} insert
 */

/** @param {string} tenantId @returns {Shape[]} */
function shapes(tenantId) {
  const values = valuesOf(tenantId);
  const typed = `${literal(values[0])}::uuid, ${literal(values[1])}::"AuditActorType", ${values
    .slice(2, 6)
    .map(literal)
    .join(
      ', ',
    )}, ${literal(values[6])}::jsonb, ${literal(values[7])}::jsonb, NULL, ${literal(values[9])}::inet, ${literal(
    values[10],
  )}, ${literal(values[11])}`;
  const scope = `SELECT set_config('app.tenant_id', '${tenantId}', true), set_config('app.scope', '', true)`;
  const oneTrip = {
    chain: `${scope}; INSERT INTO audit_log (${COLUMNS}) VALUES (${typed})`,
    noChain: `${scope}; INSERT INTO audit_log (${COLUMNS}, seq) VALUES (${typed}, nextval('${SEQUENCE}'))`,
  };
  return [
    { label: '1 round trip', insert: (client, chain) => client.query(chain ? oneTrip.chain : oneTrip.noChain) },
    {
      label: '4 round trips',
      insert: async (client, chain) => {
        await client.query('BEGIN');
        try {
          await client.query("SELECT set_config('app.tenant_id', $1, true), set_config('app.scope', '', true)", [
            tenantId,
          ]);
          await client.query(chain ? INSERT_SQL : INSERT_SQL_WITH_SEQ, values);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw error;
        }
      },
    },
  ];
}

/**
 * Inserts as fast as `clients` allow for `seconds`, each client one insert at a time.
 * @param {Client[]} clients @param {number} seconds @param {(client: Client) => Promise<unknown>} insert
 */
async function drive(clients, seconds, insert) {
  /** @type {number[]} */
  const latencies = [];
  const started = process.hrtime.bigint();
  const deadline = Date.now() + seconds * 1000;
  await Promise.all(
    clients.map(async (client) => {
      while (Date.now() < deadline) {
        const t0 = process.hrtime.bigint();
        await insert(client);
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    }),
  );
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  latencies.sort((a, b) => a - b);
  const pct = (/** @type {number} */ p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
  const mean = latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length);
  return {
    count: latencies.length,
    seconds: elapsed,
    p50: pct(0.5),
    p99: pct(0.99),
    mean,
    max: latencies.at(-1) ?? NaN,
  };
}

/**
 * @param {string} ownerUrl @param {boolean} on
 */
async function setChainTrigger(ownerUrl, on) {
  const client = new Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    await client.query(`ALTER TABLE audit_log ${on ? 'ENABLE' : 'DISABLE'} TRIGGER ${CHAIN_TRIGGER}`);
  } finally {
    await client.end();
  }
}

/** @type {import('../lib/harness').Scenario} */
module.exports = {
  name: 'audit-write',
  summary: "audit inserts into one tenant's chain, chain trigger on vs off (raw pg, app role)",
  async run({ params, databaseUrl, serverEnv, log }) {
    const ownerUrl = databaseUrl;
    const appUrl = serverEnv.DATABASE_URL;
    if (!appUrl || appUrl === ownerUrl) throw new Error('audit-write needs the app role URL in serverEnv.DATABASE_URL');

    const owner = new Client({ connectionString: ownerUrl });
    await owner.connect();
    /** @type {string} */
    let tenantId;
    try {
      const { rows } = await owner.query(
        `INSERT INTO tenants (name, domain, plan) VALUES ('Bench audit tenant', $1, 'PRO') RETURNING id`,
        [`bench-audit-${Date.now().toString(36)}`],
      );
      tenantId = rows[0].id;
      // With the chain off, seq must still be unique per tenant (the partial unique index).
      await owner.query(`CREATE SEQUENCE IF NOT EXISTS ${SEQUENCE} START 1000000000`);
      await owner.query(`GRANT USAGE ON SEQUENCE ${SEQUENCE} TO itinera_app`);
    } finally {
      await owner.end();
    }

    const concurrencies = [...new Set([1, params.connections])];
    const pool = await Promise.all(
      Array.from({ length: Math.max(...concurrencies) }, async () => {
        const client = new Client({ connectionString: appUrl, application_name: 'bench-audit-write' });
        await client.connect();
        return client;
      }),
    );

    /** @type {import('../lib/harness').Round[]} */
    const rounds = [];
    /** @type {{ variant: string, ceiling: string }[]} */
    const variants = [];
    try {
      for (const shape of shapes(tenantId)) {
        for (const connections of concurrencies) {
          // One connection is about the trigger's own cost; the extended shape adds nothing there.
          if (connections === 1 && shape.label !== '1 round trip') continue;
          const name = (/** @type {boolean} */ chain) =>
            `${chain ? 'chain' : 'no chain'}, ${shape.label}, ${connections} conn${connections === 1 ? '' : 's'}`;
          variants.push({ variant: name(false), ceiling: name(false) }, { variant: name(true), ceiling: name(false) });
          const clients = pool.slice(0, connections);
          for (let round = 1; round <= params.rounds; round++) {
            const order = round % 2 ? [false, true] : [true, false];
            for (const chain of order) {
              await setChainTrigger(ownerUrl, chain);
              if (params.warmup > 0) await drive(clients, params.warmup, (c) => shape.insert(c, chain));
              const result = await drive(clients, params.duration, (c) => shape.insert(c, chain));
              const round_ = {
                variant: name(chain),
                round,
                requestsPerSecond: result.count / result.seconds,
                p50: result.p50,
                p99: result.p99,
                meanLatency: result.mean,
                maxLatency: result.max,
                requests: result.count,
                non2xx: 0,
                errors: 0,
                timeouts: 0,
                seconds: result.seconds,
                // The database does the work measured here; the runner's CPU says nothing about it.
                cpuMicrosPerRequest: NaN,
              };
              rounds.push(round_);
              log(
                `${name(chain)}, round ${round}: ${Math.round(round_.requestsPerSecond).toLocaleString('en-US')} inserts/s, ` +
                  `p50 ${result.p50.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms`,
              );
            }
          }
        }
      }
    } finally {
      await Promise.all(pool.map((c) => c.end().catch(() => undefined)));
      await setChainTrigger(ownerUrl, true);
    }

    const rows = variants.map(({ variant, ceiling }) => resultRow(rounds, variant, ceiling));
    const chainRows = rows.filter((r) => !r.ceiling);
    return {
      rows,
      rounds,
      notes: [
        'Inserts per second into one tenant\'s chain, each insert its own transaction; "vs ceiling" is the chain ' +
          'against the same shape and concurrency with the chain trigger disabled.',
        ...chainRows.map((r) => `${r.variant}: ${(r.ratio * 100).toFixed(1)}% of the rate without the chain`),
        'Latencies are measured in the runner, per insert (ms, median over rounds).',
      ],
      details: { tenantId, concurrencies, chainTrigger: CHAIN_TRIGGER, synchronousCommit: 'server default' },
    };
  },
};

// `node bench/scenarios/audit-write.js`: the same scenario without the runner.
if (require.main === module) {
  const path = require('node:path');
  const fs = require('node:fs');
  const { appRoleUrl, provisionAppRole } = require('../../scripts/lib/app-role');
  const { ensureDatabase, ensurePostgres } = require('../../scripts/lib/local-services');
  const harness = require('../lib/harness');
  (async () => {
    if (fs.existsSync(path.join(harness.ROOT, '.env'))) process.loadEnvFile(path.join(harness.ROOT, '.env'));
    const params = harness.benchParams();
    const postgres = await ensurePostgres(harness.log, process.env.DIRECT_DATABASE_URL);
    const database = `itinera_bench_audit_write_${Date.now().toString(36)}`;
    const databaseUrl = harness.withDatabase(postgres.url, database);
    try {
      await ensureDatabase(postgres.url, database);
      harness.migrate(databaseUrl);
      const appUrl = appRoleUrl(databaseUrl);
      await provisionAppRole(databaseUrl, appUrl);
      const result = await module.exports.run({
        params,
        databaseUrl,
        serverEnv: { DATABASE_URL: appUrl },
        log: harness.log,
      });
      for (const row of result.rows) {
        process.stdout.write(
          `${row.variant.padEnd(36)} ${Math.round(row.requestsPerSecond).toLocaleString('en-US').padStart(8)} inserts/s` +
            `  p50 ${row.p50.toFixed(2)} ms  p99 ${row.p99.toFixed(2)} ms  ${row.ceiling ? 'ceiling' : `${(row.ratio * 100).toFixed(1)}%`}\n`,
        );
      }
      for (const note of result.notes) process.stdout.write(`- ${note}\n`);
    } finally {
      await harness.dropDatabase(postgres.url, database);
      await postgres.stop();
    }
  })().catch((error) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(2);
  });
}
