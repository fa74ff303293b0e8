// @ts-check
/**
 * workflow-list: `GET /workflows` (first page, the default limit) as an authenticated MEMBER
 * (bearer token) of a tenant with 1,000,000 sessions (a year of history in every state, one
 * recipient each; two other tenants hold 50,000 each), on the full API app, against a bare Fastify
 * route (bench/servers/list-bare-server.js) that sends the same statement (captured from
 * WorkflowQueriesService.listSql) through a raw pg Pool and answers the same body.
 * Target (DESIGN.md "Performance", issue 4): the app's p95 under 20 ms. Latency at a fixed number of
 * connections is mostly queueing on this 2-core machine (50 connections against ~2,000 req/s is
 * ~25 ms of waiting by Little's law whatever the route costs), so the target is judged at
 * BENCH_LIST_CONNECTIONS (default 10) connections; the app is also measured at BENCH_CONNECTIONS
 * (default 50), without a target. p50/p95/p99 are exact (every response time kept). The notes and
 * the JSON give EXPLAIN (ANALYZE, BUFFERS) of the statement, as the app role with the tenant set,
 * with the values bound (custom plan) and as a generic plan (what a prepared statement may settle on).
 */
const path = require('node:path');
const { randomBytes } = require('node:crypto');
const { isDeepStrictEqual } = require('node:util');
const { Client } = require('pg');
const { resultRow, startServer, ROOT, median } = require('../lib/harness');
const { call, expectStatus } = require('../lib/http-client');
const { assertClean, describeDetailed, measureLatencies } = require('../lib/latency');
const { createTenants, seedSessions, sessionId, vacuumAnalyze, withOwner } = require('../lib/workflow-seed');

const MEASURED_SESSIONS = 1_000_000;
const OTHER_TENANTS = 2;
const OTHER_SESSIONS = 50_000;
const LABEL = 'bench-list';
const TARGET_P95_MS = 20;
const INDEXES = ['workflow_sessions_tenant_id_created_at_id_idx', 'idx_workflow_status_created'];

const BARE = 'bare Fastify + raw pg (ceiling)';
const APP = 'full API app, GET /workflows';

/** @param {string} databaseUrl @param {string} tenantId @param {string} userId */
async function addMember(databaseUrl, tenantId, userId) {
  await withOwner(databaseUrl, async (client) => {
    await client.query('BEGIN');
    await client.query(`SELECT set_config('app.tenant_id', $1, true)`, [tenantId]);
    await client.query(`INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, 'MEMBER')`, [
      tenantId,
      userId,
    ]);
    await client.query('COMMIT');
  });
}

/**
 * The statement and values the app sends for the first page, from the built service itself.
 * @param {string} tenantId
 * @returns {{ sql: string, values: unknown[], limit: number }}
 */
function listStatement(tenantId) {
  const dist = path.join(ROOT, 'dist', 'libs');
  const { RequestContext, DEFAULT_PAGE_LIMIT } = require(path.join(dist, 'platform', 'src', 'index.js'));
  const { WorkflowQueriesService } = require(
    path.join(dist, 'workflows', 'src', 'sessions', 'workflow-queries.service.js'),
  );
  const limit = DEFAULT_PAGE_LIMIT ?? 20;
  const service = new WorkflowQueriesService(null, null);
  const { sql, values } = RequestContext.run({ tenantId }, () => service.listSql({ limit }));
  return { sql, values, limit };
}

/**
 * EXPLAIN (ANALYZE, BUFFERS) as the app role with the tenant set, as tenantQuery runs it.
 * @param {string} appUrl @param {string} tenantId @param {string} sql @param {unknown[]} values
 */
async function explain(appUrl, tenantId, sql, values) {
  const client = new Client({ connectionString: appUrl });
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query(`SELECT set_config('app.tenant_id', $1, true)`, [tenantId]);
    await client.query(sql, values); // warm the cache as the measured runs do
    const custom = await client.query(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, values);
    await client.query('SET LOCAL plan_cache_mode = force_generic_plan');
    await client.query(`PREPARE bench_list AS ${sql}`);
    const literals = values.map((v) => client.escapeLiteral(String(v))).join(', ');
    const generic = await client.query(`EXPLAIN (ANALYZE, BUFFERS) EXECUTE bench_list(${literals})`);
    await client.query('ROLLBACK');
    const text = (/** @type {{ rows: Record<string, string>[] }} */ r) =>
      r.rows.map((row) => row['QUERY PLAN']).join('\n');
    return { custom: text(custom), generic: text(generic) };
  } finally {
    await client.end();
  }
}

/** @param {string} plan */
const indexesIn = (plan) => INDEXES.filter((name) => plan.includes(name));
/** @param {string} plan */
const executionMs = (plan) => Number(/Execution Time: ([\d.]+) ms/.exec(plan)?.[1] ?? NaN);

/** @type {import('../lib/harness').Scenario} */
module.exports = {
  name: 'workflow-list',
  summary: 'GET /workflows first page as a MEMBER, 1M sessions in the tenant (target: p95 < 20 ms)',
  async run({ params, serverEnv, databaseUrl, log }) {
    const connections = Number(process.env.BENCH_LIST_CONNECTIONS || 10);
    if (!Number.isInteger(connections) || connections < 1) throw new Error('BENCH_LIST_CONNECTIONS: an integer >= 1');
    log(
      `seeding ${MEASURED_SESSIONS.toLocaleString('en-US')} sessions in the measured tenant, ` +
        `${OTHER_SESSIONS.toLocaleString('en-US')} in each of ${OTHER_TENANTS} others`,
    );
    const started = Date.now();
    const tenants = await withOwner(databaseUrl, async (client) => {
      const ids = await createTenants(client, 'list', 1 + OTHER_TENANTS);
      const creatorId = '00000000-0000-4000-8000-000000000002';
      await seedSessions(client, {
        tenantId: ids[0],
        label: LABEL,
        first: 1,
        last: MEASURED_SESSIONS,
        recipientsPerSession: 1,
        creatorId,
        shape: 'list',
      });
      for (let t = 1; t <= OTHER_TENANTS; t++) {
        const first = MEASURED_SESSIONS + (t - 1) * OTHER_SESSIONS + 1;
        await seedSessions(client, {
          tenantId: ids[t],
          label: LABEL,
          first,
          last: first + OTHER_SESSIONS - 1,
          recipientsPerSession: 1,
          creatorId,
          shape: 'list',
        });
      }
      await vacuumAnalyze(client);
      return ids;
    });
    const seedSeconds = (Date.now() - started) / 1000;
    log(`seeded in ${seedSeconds.toFixed(1)} s`);
    const measured = tenants[0];

    const statement = listStatement(measured);
    const plans = await explain(serverEnv.DATABASE_URL ?? '', measured, statement.sql, statement.values);
    log(
      `EXPLAIN: custom plan uses ${indexesIn(plans.custom).join(', ') || 'NO listed index'} ` +
        `(${executionMs(plans.custom)} ms), generic plan ${indexesIn(plans.generic).join(', ') || 'NO listed index'} ` +
        `(${executionMs(plans.generic)} ms)`,
    );

    const bareEnv = {
      ...serverEnv,
      BENCH_LIST_SQL: statement.sql,
      BENCH_LIST_PARAMS: JSON.stringify(statement.values),
      BENCH_LIST_LIMIT: String(statement.limit),
    };

    // A member through the app's own sign-up, added by the owner, signed in for the measured tenant.
    const email = `bench-${randomBytes(6).toString('hex')}@example.com`;
    const password = randomBytes(18).toString('base64url');
    let token = '';
    /** @type {any} */
    let appPage;
    const app = await startServer(APP, 'app-server.js', serverEnv);
    try {
      const registered = await call(app.url, '/auth/register', {
        method: 'POST',
        body: { email, password, displayName: 'Bench member' },
      });
      expectStatus(registered, 201, 'POST /auth/register');
      await addMember(databaseUrl, measured, registered.json.id);
      const login = await call(app.url, '/auth/login', {
        method: 'POST',
        body: { email, password, tenantId: measured },
      });
      expectStatus(login, 200, 'POST /auth/login');
      token = login.json.accessToken;
      const page = await call(app.url, '/workflows', { token });
      expectStatus(page, 200, 'GET /workflows');
      appPage = page.json;
      // Newest first: session 1 of the measured tenant was created last.
      if (appPage.data?.length !== statement.limit || appPage.data[0].id !== sessionId(LABEL, 1)) {
        throw new Error(`GET /workflows: unexpected first page ${page.text.slice(0, 500)}`);
      }
      expectStatus(await call(app.url, '/workflows'), 401, 'GET /workflows without a token');
    } finally {
      await app.stop();
    }
    const bare = await startServer(BARE, 'list-bare-server.js', bareEnv);
    try {
      const page = await call(bare.url, '/workflows');
      expectStatus(page, 200, 'bare GET /workflows');
      if (!isDeepStrictEqual(page.json, appPage)) {
        throw new Error(`the bare route's page differs from the app's:\n${page.text.slice(0, 400)}`);
      }
    } finally {
      await bare.stop();
    }
    log(
      "checked: the app's first page is the tenant's 20 newest sessions, 401 without a token; the bare page is identical",
    );

    const appAt = (/** @type {number} */ c) => `${APP}, ${c} connections`;
    const bareAt = (/** @type {number} */ c) => `${BARE}, ${c} connections`;
    const levels = connections === params.connections ? [connections] : [connections, params.connections];
    /** @type {(import('../lib/harness').Round & { p95?: number, connections?: number })[]} */
    const rounds = [];
    for (let round = 1; round <= params.rounds; round++) {
      for (const c of levels) {
        const variants = [
          { variant: bareAt(c), script: 'list-bare-server.js', env: bareEnv, headers: undefined },
          { variant: appAt(c), script: 'app-server.js', env: serverEnv, headers: { authorization: `Bearer ${token}` } },
        ];
        for (const v of round % 2 ? variants : [...variants].reverse()) {
          const server = await startServer(v.variant, v.script, v.env);
          try {
            const result = await measureLatencies({
              server,
              path: '/workflows',
              headers: v.headers,
              params,
              connections: c,
            });
            assertClean(result, `${v.variant}, round ${round}`, server);
            rounds.push({ variant: v.variant, round, connections: c, ...result });
            log(`workflow-list round ${round}, ${v.variant}: ${describeDetailed(result)}`);
          } finally {
            await server.stop();
          }
        }
      }
    }

    /** @param {string} variant @param {'p95' | 'p50' | 'p99'} key */
    const medianOf = (variant, key) => median(rounds.filter((r) => r.variant === variant).map((r) => r[key] ?? NaN));
    const rows = levels.flatMap((c) => {
      const bareRow = resultRow(rounds, bareAt(c), bareAt(c));
      const appRow = resultRow(rounds, appAt(c), bareAt(c));
      if (c === connections) {
        appRow.target = `p95 < ${TARGET_P95_MS} ms`;
        appRow.pass = medianOf(appAt(c), 'p95') < TARGET_P95_MS;
      }
      return [bareRow, appRow];
    });
    const appP95 = medianOf(appAt(connections), 'p95');
    return {
      rows,
      rounds,
      notes: [
        `App at ${connections} connections: p50 ${medianOf(appAt(connections), 'p50').toFixed(2)} ms, ` +
          `p95 ${appP95.toFixed(2)} ms (target < ${TARGET_P95_MS} ms: ${appP95 < TARGET_P95_MS ? 'met' : 'MISSED'}), ` +
          `p99 ${medianOf(appAt(connections), 'p99').toFixed(2)} ms; bare p95 ${medianOf(bareAt(connections), 'p95').toFixed(2)} ms.`,
        ...(levels.length > 1
          ? [
              `At ${params.connections} connections (no target; latency there is mostly queueing): app p50 ${medianOf(appAt(params.connections), 'p50').toFixed(2)} ms, ` +
                `p95 ${medianOf(appAt(params.connections), 'p95').toFixed(2)} ms, p99 ${medianOf(appAt(params.connections), 'p99').toFixed(2)} ms; ` +
                `bare p95 ${medianOf(bareAt(params.connections), 'p95').toFixed(2)} ms.`,
            ]
          : []),
        'p50/p95/p99 are exact order statistics of every 2xx response time of the measured window (autocannon 8 has no p95), medians over the rounds.',
        `EXPLAIN (ANALYZE, BUFFERS), app role, tenant set: custom plan uses ${indexesIn(plans.custom).join(', ') || 'none of ' + INDEXES.join(', ')}, ` +
          `executes in ${executionMs(plans.custom)} ms; generic plan uses ${indexesIn(plans.generic).join(', ') || 'none of ' + INDEXES.join(', ')}, ${executionMs(plans.generic)} ms (full plans in the JSON).`,
        `Statement (WorkflowQueriesService.listSql, first page, limit ${statement.limit} + 1): ${statement.sql.replace(/\s+/g, ' ')}`,
        `Seed: ${MEASURED_SESSIONS.toLocaleString('en-US')} sessions in the measured tenant (one every 30 s over ~a year; 70% COMPLETED, 15% ACTIVE, 10% CANCELLED, 5% EXPIRED; ` +
          `one recipient each) and ${OTHER_SESSIONS.toLocaleString('en-US')} in each of ${OTHER_TENANTS} other tenants, set-based as the owner in ${seedSeconds.toFixed(0)} s.`,
        'App: bearer token of a MEMBER (registered, added by the owner, signed in), authentication hook with the principal cache, ' +
          'tenantQuery (prepared set_config and SELECT in one round trip) as the app role under RLS. ' +
          'Bare: no authentication, the same SELECT as a named prepared statement on an owner pool, the same body (checked). A fresh server per round, ABBA.',
      ],
      details: {
        connections,
        levels,
        targetP95Ms: TARGET_P95_MS,
        seedSeconds,
        statement,
        explain: plans,
        indexesUsed: { custom: indexesIn(plans.custom), generic: indexesIn(plans.generic) },
      },
    };
  },
};
