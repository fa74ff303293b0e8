// @ts-check
/**
 * tenant-read: what authentication and tenant scoping cost on a read. One api_keys row by a random
 * id (10,000 seeded for the measured tenant, as many for each of three others), inside the full API
 * app (bench/servers/bench-tenant.module.js):
 *   - unscoped (the reference): GET /bench/tenant/unscoped/:id, public, the SELECT through a pg
 *     Pool of its own connected as the owner (DIRECT_DATABASE_URL: no RLS, no scope)
 *   - scoped: GET /bench/tenant/scoped/:id with `authorization: Bearer <access token>` of a MEMBER
 *     of the measured tenant: the authentication hook (verified tokens and principals are cached),
 *     then prisma.tenantQuery (prepared set_config and SELECT before one Sync: one round trip) on the app
 *     role's pool, under row-level security
 *   - prisma scoped (informational, no target): the same, through prisma.scoped.apiKey.findUnique
 * Target (DESIGN.md, issue 3): scoped reaches at least 70% of unscoped's requests/s. The variants
 * alternate ABBA within one run of the app server.
 */
const { execFileSync } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const fs = require('node:fs');
const { Client } = require('pg');
const { assertClean, describeRound, measure, median, resultRow, startServer } = require('../lib/harness');
const { call, expectStatus } = require('../lib/http-client');

const TENANTS = 4;
const ROWS_PER_TENANT = 10_000;
const TARGET = 0.7;

const UNSCOPED = 'unscoped: public, owner pool (reference)';
const SCOPED = 'scoped: bearer token + tenantQuery';
const PRISMA = 'scoped: bearer token + prisma.scoped';

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** A distinct API key prefix (^[a-z2-7]{12}$) for each n. @param {number} n */
function prefixOf(n) {
  let out = '';
  for (let i = 0; i < 12; i++) {
    out = BASE32[n % 32] + out;
    n = Math.floor(n / 32);
  }
  return out;
}

/**
 * As the owner: TENANTS tenants, each with ROWS_PER_TENANT API keys (inserted, as the app would,
 * after setting the tenant), then VACUUM ANALYZE. The first tenant is the measured one.
 * @param {string} databaseUrl
 */
async function seed(databaseUrl) {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const stamp = Date.now().toString(36);
    /** @type {{ id: string, keyIds: string[] }[]} */
    const tenants = [];
    for (let t = 0; t < TENANTS; t++) {
      const { rows } = await client.query(
        `INSERT INTO tenants (name, domain, plan) VALUES ($1, $2, 'PRO') RETURNING id`,
        [`Bench tenant ${t + 1}`, `bench-${stamp}-${t + 1}`],
      );
      const tenantId = rows[0].id;
      const prefixes = Array.from({ length: ROWS_PER_TENANT }, (_, i) => prefixOf(t * ROWS_PER_TENANT + i + 1));
      await client.query('BEGIN');
      // Superusers bypass row-level security; a non-superuser owner would need the tenant set.
      await client.query(`SELECT set_config('app.tenant_id', $1, true)`, [tenantId]);
      const keys = await client.query(
        `INSERT INTO api_keys (tenant_id, name, prefix, key_hash, scopes)
         SELECT $1::uuid, 'bench key ' || p, p, sha256(convert_to('bench-' || p, 'UTF8')), '{read}'
         FROM unnest($2::text[]) AS p
         RETURNING id`,
        [tenantId, prefixes],
      );
      await client.query('COMMIT');
      tenants.push({ id: tenantId, keyIds: keys.rows.map((r) => r.id) });
    }
    await client.query('VACUUM ANALYZE tenants');
    await client.query('VACUUM ANALYZE api_keys');
    return tenants;
  } finally {
    await client.end();
  }
}

/** As the owner: `userId` becomes a MEMBER of `tenantId`. @param {string} databaseUrl @param {string} tenantId @param {string} userId */
async function addMember(databaseUrl, tenantId, userId) {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query(`SELECT set_config('app.tenant_id', $1, true)`, [tenantId]);
    await client.query(`INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, 'MEMBER')`, [
      tenantId,
      userId,
    ]);
    await client.query('COMMIT');
  } finally {
    await client.end();
  }
}

/**
 * Counters from the app's /metrics: every statement timed on PrismaService's pool (the owner pool
 * of the unscoped route is not timed), principal loads (the auth_session_principal lookups of cache
 * misses), and responses per bench route.
 * @param {string} url
 */
async function appCounters(url) {
  const text = await (await fetch(`${url}/metrics`)).text();
  /** @type {Record<string, number>} */
  const counters = { statements: 0, principalLoads: 0, scoped: 0, prisma: 0, unscoped: 0 };
  for (const line of text.split('\n')) {
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (line.startsWith('db_query_duration_seconds_count{')) {
      counters.statements += value;
      if (line.includes('table="auth_session_principal"')) counters.principalLoads += value;
    } else if (line.startsWith('http_request_duration_seconds_count{')) {
      for (const route of ['scoped', 'prisma', 'unscoped']) {
        if (line.includes(`route="/bench/tenant/${route}/:id"`)) counters[route] += value;
      }
    }
  }
  return counters;
}

/** Clock ticks per second of /proc/<pid>/stat's CPU times. */
function clockTicks() {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
}

/**
 * CPU time so far (µs) of each PostgreSQL backend serving the app's two pools (PrismaService's,
 * application_name itinera, and the unscoped route's, itinera-bench-owner), as `pg:<pid>` counters,
 * read from /proc: only when PostgreSQL runs on this machine (else none). The statement cost of
 * the scoped read is partly PostgreSQL's, which the server's own CPU per request does not show.
 * @param {string} databaseUrl @param {number} ticksPerSecond
 */
async function postgresCpu(databaseUrl, ticksPerSecond) {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  /** @type {{ pid: number }[]} */
  let backends;
  try {
    ({ rows: backends } = await client.query(
      `SELECT pid FROM pg_stat_activity
       WHERE datname = current_database() AND application_name IN ('itinera', 'itinera-bench-owner')`,
    ));
  } finally {
    await client.end();
  }
  /** @type {Record<string, number>} */
  const counters = {};
  for (const { pid } of backends) {
    try {
      // Fields after the command name: utime and stime are the 12th and 13th.
      const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      counters[`pg:${pid}`] = ((Number(fields[11]) + Number(fields[12])) * 1e6) / ticksPerSecond;
    } catch {
      // not on this machine, or gone
    }
  }
  return counters;
}

/**
 * PostgreSQL backend CPU per response over a measured window, or null when it was not readable.
 * A backend that a pool opened during the window counts from zero, which overstates by no more than
 * its connection set-up.
 * @param {import('../lib/harness').LoadResult} result
 */
function postgresMicros(result) {
  const entries = Object.entries(result.counted ?? {}).filter(([key]) => key.startsWith('pg:'));
  if (!entries.length) return null;
  const micros = entries.reduce((sum, [, value]) => sum + Math.max(0, value), 0);
  return micros / Math.max(1, result.requests + result.non2xx);
}

/** @type {import('../lib/harness').Scenario} */
module.exports = {
  name: 'tenant-read',
  summary:
    'one api_keys row by id: authenticated + tenant-scoped (tenantQuery) vs public + unscoped in the API app (target: >= 70%)',
  async run({ params, serverEnv, databaseUrl, log }) {
    log(`seeding ${TENANTS} tenants with ${ROWS_PER_TENANT.toLocaleString('en-US')} API keys each`);
    const tenants = await seed(databaseUrl);
    const measured = tenants[0];
    const ids = measured.keyIds;
    const foreignId = tenants[1].keyIds[0];
    const randomId = () => ids[Math.floor(Math.random() * ids.length)];

    const ticksPerSecond = clockTicks();
    /** @type {import('../lib/harness').Round[]} */
    const rounds = [];
    const app = await startServer('API app', 'app-server.js', { ...serverEnv, BENCH_MODULES: 'tenant' });
    try {
      // A user through the app's own sign-up, made a member of the measured tenant by the owner.
      const email = `bench-${randomBytes(6).toString('hex')}@example.com`;
      const password = randomBytes(18).toString('base64url');
      const registered = await call(app.url, '/auth/register', {
        method: 'POST',
        body: { email, password, displayName: 'Bench member' },
      });
      expectStatus(registered, 201, 'POST /auth/register');
      await addMember(databaseUrl, measured.id, registered.json.id);

      let token = '';
      let tokenExpiresAt = 0;
      let logins = 0;
      // A token that stays valid through the next round (warm-up, measurement and a margin).
      const freshToken = async () => {
        const needed = (params.warmup + params.duration + 60) * 1000;
        if (token && tokenExpiresAt - Date.now() > needed) return token;
        const login = await call(app.url, '/auth/login', {
          method: 'POST',
          body: { email, password, tenantId: measured.id },
        });
        expectStatus(login, 200, 'POST /auth/login');
        if (login.json.tenantId !== measured.id) throw new Error(`login chose tenant ${login.json.tenantId}`);
        token = login.json.accessToken;
        tokenExpiresAt = Date.now() + login.json.expiresIn * 1000;
        logins++;
        return token;
      };
      await freshToken();

      // Before measuring: the scoped routes see the measured tenant's rows only, and need the token.
      const scopedOwn = await call(app.url, `/bench/tenant/scoped/${ids[0]}`, { token });
      expectStatus(scopedOwn, 200, 'scoped, own row');
      if (scopedOwn.json.id !== ids[0] || scopedOwn.json.tenant_id !== measured.id) {
        throw new Error(`scoped, own row: wrong row ${scopedOwn.text}`);
      }
      expectStatus(
        await call(app.url, `/bench/tenant/scoped/${foreignId}`, { token }),
        404,
        "scoped, another tenant's row",
      );
      expectStatus(await call(app.url, `/bench/tenant/scoped/${ids[0]}`), 401, 'scoped, no token');
      const unscopedOwn = await call(app.url, `/bench/tenant/unscoped/${ids[0]}`);
      expectStatus(unscopedOwn, 200, 'unscoped, a row of the measured tenant');
      if (unscopedOwn.text !== scopedOwn.text) {
        throw new Error(`the routes disagree: ${unscopedOwn.text} vs ${scopedOwn.text}`);
      }
      // The 404 above is row-level security, not a missing row: unscoped, the row is there.
      const unscopedForeign = await call(app.url, `/bench/tenant/unscoped/${foreignId}`);
      expectStatus(unscopedForeign, 200, "unscoped, another tenant's row");
      const prismaOwn = await call(app.url, `/bench/tenant/prisma/${ids[0]}`, { token });
      expectStatus(prismaOwn, 200, 'prisma scoped, own row');
      if (prismaOwn.json.id !== ids[0]) throw new Error(`prisma scoped, own row: wrong row ${prismaOwn.text}`);
      expectStatus(
        await call(app.url, `/bench/tenant/prisma/${foreignId}`, { token }),
        404,
        "prisma, another tenant's row",
      );
      expectStatus(await call(app.url, `/bench/tenant/prisma/${ids[0]}`), 401, 'prisma, no token');
      log('checked: scoped routes answer 200 for own rows, 404 for another tenant, 401 without a token');

      const variants = [
        { variant: UNSCOPED, route: 'unscoped', authenticated: false },
        { variant: SCOPED, route: 'scoped', authenticated: true },
        { variant: PRISMA, route: 'prisma', authenticated: true },
      ];
      for (let round = 1; round <= params.rounds; round++) {
        for (const { variant, route, authenticated } of round % 2 ? variants : [...variants].reverse()) {
          const headers = authenticated ? { authorization: `Bearer ${await freshToken()}` } : undefined;
          const result = await measure({
            server: app,
            nextPath: () => `/bench/tenant/${route}/${randomId()}`,
            headers,
            params,
            counters: async () => ({
              ...(await appCounters(app.url)),
              ...(await postgresCpu(databaseUrl, ticksPerSecond)),
            }),
          });
          assertClean(result, `${variant}, round ${round}`, app);
          rounds.push({ variant, round, ...result });
          const counted = result.counted ?? {};
          const responses = Math.max(1, counted[route] ?? 0);
          log(
            `tenant-read round ${round}, ${variant}: ${describeRound(result)}, ` +
              `${((counted.statements ?? 0) / responses).toFixed(2)} timed statements per request, ` +
              `${counted.principalLoads ?? 0} principal loads` +
              (postgresMicros(result) === null
                ? ''
                : `, PostgreSQL CPU ${Math.round(/** @type {number} */ (postgresMicros(result)))} µs/request`),
          );
        }
      }
      log(`${logins} login(s) for the run`);
    } finally {
      await app.stop();
    }

    const rows = [
      resultRow(rounds, UNSCOPED, UNSCOPED),
      resultRow(rounds, SCOPED, UNSCOPED, TARGET),
      resultRow(rounds, PRISMA, UNSCOPED),
    ];
    /** @param {string} variant @param {string} key */
    const perRequest = (variant, key) => {
      const own = rounds.filter((r) => r.variant === variant);
      const total = own.reduce((sum, r) => sum + (r.counted?.[key] ?? 0), 0);
      const responses = own.reduce((sum, r) => sum + r.requests + r.non2xx, 0);
      return { total, perRequest: total / Math.max(1, responses) };
    };
    const scopedStatements = perRequest(SCOPED, 'statements');
    const prismaStatements = perRequest(PRISMA, 'statements');
    const principalLoads = perRequest(SCOPED, 'principalLoads').total + perRequest(PRISMA, 'principalLoads').total;
    const cpu = (/** @type {number} */ i) => rows[i].cpuMicrosPerRequest;
    // Each scoped round ran right beside the unscoped round of the same number (ABBA).
    const roundRatios = rounds
      .filter((r) => r.variant === SCOPED)
      .map((r) => {
        const reference = rounds.find((u) => u.variant === UNSCOPED && u.round === r.round);
        return reference ? r.requestsPerSecond / reference.requestsPerSecond : NaN;
      });
    /** @param {string} variant */
    const postgresMedian = (variant) => {
      const values = rounds.filter((r) => r.variant === variant).map(postgresMicros);
      return values.every((v) => v !== null) ? median(/** @type {number[]} */ (values)) : null;
    };
    const postgres = [UNSCOPED, SCOPED, PRISMA].map(postgresMedian);
    const authenticatedSeconds = rounds.filter((r) => r.variant !== UNSCOPED).reduce((sum, r) => sum + r.seconds, 0);
    return {
      rows,
      rounds,
      notes: [
        `Scoped / unscoped: ${(rows[1].ratio * 100).toFixed(1)}% of the requests/s (target >= ${TARGET * 100}%); ` +
          `Prisma scoped / unscoped: ${(rows[2].ratio * 100).toFixed(1)}% (informational).`,
        `Scoped / unscoped round by round (adjacent ABBA runs): ${roundRatios.map((r) => `${(r * 100).toFixed(0)}%`).join(', ')}.`,
        `Server CPU per request over unscoped (medians): scoped +${Math.round(cpu(1) - cpu(0))} µs, Prisma scoped +${Math.round(cpu(2) - cpu(0))} µs.`,
        postgres.every((v) => v !== null)
          ? `PostgreSQL backend CPU per request (medians; the app's connections, from /proc): unscoped ${Math.round(/** @type {number} */ (postgres[0]))} µs, ` +
            `scoped ${Math.round(/** @type {number} */ (postgres[1]))} µs, Prisma scoped ${Math.round(/** @type {number} */ (postgres[2]))} µs.`
          : 'PostgreSQL backend CPU per request: not measured (PostgreSQL does not run on this machine, or /proc is not readable).',
        'Unscoped: public route (the authentication hook returns at once), no authorization header; ' +
          'the SELECT as a named prepared statement (bind and execute in one round trip; parsed once per connection) ' +
          'on a plain pg Pool of its own (not timed), connected as DIRECT_DATABASE_URL (the owner, a superuser here: no RLS), DATABASE_POOL_SIZE connections.',
        'Scoped: `authorization: Bearer <access token>` of a MEMBER; the hook verifies it (principal cache) and sets the tenant; ' +
          "prisma.tenantQuery sends the prepared `SELECT set_config('app.tenant_id', $1, true), set_config('app.scope', $2, true)` " +
          "and the prepared SELECT before one Sync (one round trip, one implicit transaction) on PrismaService's pool (timed), as the app role under RLS.",
        `Timed statements per request: scoped ${scopedStatements.perRequest.toFixed(2)}, Prisma scoped ${prismaStatements.perRequest.toFixed(2)} ` +
          '(BEGIN, set_config, SELECT, COMMIT). ' +
          `Principal loads (cache misses: token verified, session looked up): ${principalLoads} over ${Math.round(authenticatedSeconds)} s of authenticated load; ` +
          'the cache keeps a principal PRINCIPAL_CACHE_TTL_MS (5 s), and when it expires every request already in flight loads it again.',
        'The same statement everywhere: SELECT id, tenant_id, name, prefix, scopes, created_at FROM api_keys WHERE id = $1 ' +
          `(Prisma selects the same columns); ${TENANTS} tenants × ${ROWS_PER_TENANT.toLocaleString('en-US')} rows, a random id of the measured tenant per request.`,
        `The app logs each request at LOG_LEVEL=${params.logLevel} (stdout to /dev/null); every route passes the global rate limit and the request logger.`,
      ],
      details: {
        tenants: TENANTS,
        rowsPerTenant: ROWS_PER_TENANT,
        targetRatio: TARGET,
        timedStatementsPerRequest: { scoped: scopedStatements.perRequest, prismaScoped: prismaStatements.perRequest },
        principalLoads,
        scopedToUnscopedByRound: roundRatios,
        postgresCpuMicrosPerRequest:
          postgres[0] === null ? null : { unscoped: postgres[0], scoped: postgres[1], prismaScoped: postgres[2] },
        order: 'one API app server; unscoped, scoped, Prisma scoped alternating ABBA per pair of rounds',
      },
    };
  },
};
