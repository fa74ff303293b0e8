// @ts-check
/**
 * db-read: one read of one outbox row by id inside a request, Prisma against raw pg.
 *   - full API app, GET /bench/db/prisma/:id  PrismaService.outboxMessage.findUnique
 *   - full API app, GET /bench/db/pg/:id      the same statement through prisma.pool.query
 *   - ceiling: bare Fastify (same server options, no logger/plugins/hooks), the same statement
 *     through a raw pg Pool configured like PrismaService's
 * The two app routes come from bench/servers/bench-db.module.js, so the only difference between
 * them is Prisma against pg. They alternate (ABBA) within one run of the app server; the ceiling
 * runs in its own server before and after it. Every request reads a random one of the seeded rows.
 * No target in DESIGN.md; its context: Prisma 6.19's findUnique costs about 4x pg's CPU per lookup.
 */
const { PrismaPg } = require('@prisma/adapter-pg');
const { PrismaClient } = require('@prisma/client');
const { Client } = require('pg');
const { assertClean, describeRound, measure, resultRow, startServer } = require('../lib/harness');
const { ID_MARKER } = require('../servers/db-lookup');

const ROWS = 10_000;

const CEILING = 'bare Fastify + raw pg (ceiling)';
const APP_PG = 'API app + raw pg (prisma.pool)';
const APP_PRISMA = 'API app + Prisma findUnique';

/**
 * Seeds delivered outbox rows (nothing would relay them: the worker is not started, and delivered
 * rows are never relayed anyway) and returns their ids.
 * @param {string} databaseUrl
 * @returns {Promise<string[]>}
 */
async function seed(databaseUrl) {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query(
      `INSERT INTO outbox_messages (queue, job_name, payload, request_id, delivered_at)
       SELECT '{maintenance}', 'outbox-purge', jsonb_build_object('requestId', 'bench-' || g), 'bench-' || g, now()
       FROM generate_series(1, $1::int) AS g
       RETURNING id`,
      [ROWS],
    );
    await client.query('VACUUM ANALYZE outbox_messages');
    return rows.map((r) => r.id);
  } finally {
    await client.end();
  }
}

/**
 * The statement (and parameters) Prisma sends for `outboxMessage.findUnique({ where: { id } })`,
 * from its query log: the same generated client and driver adapter as PrismaService.
 * @param {string} databaseUrl
 * @param {string} id  an existing row
 */
async function captureFindUniqueSql(databaseUrl, id) {
  const prisma = new PrismaClient({
    adapter: new PrismaPg({ connectionString: databaseUrl }),
    log: [{ emit: 'event', level: 'query' }],
  });
  /** @type {{ query: string, params: string }[]} */
  const events = [];
  prisma.$on('query', (event) => events.push(event));
  try {
    const row = await prisma.outboxMessage.findUnique({ where: { id } });
    if (!row) throw new Error('findUnique did not find a seeded row');
  } finally {
    await prisma.$disconnect();
  }
  if (events.length !== 1) throw new Error(`expected one statement from findUnique, got ${events.length}`);
  /** @type {unknown[]} */
  const params = JSON.parse(events[0].params);
  if (params.filter((p) => p === id).length !== 1) throw new Error(`cannot find the id among ${events[0].params}`);
  return { sql: events[0].query, params: params.map((p) => (p === id ? ID_MARKER : p)) };
}

/**
 * Server-side counts from the app's /metrics: statements PrismaService has timed on outbox_messages
 * (db_query_duration_seconds; prisma.pool.query is not timed) and responses of the Prisma route
 * (http_request_duration_seconds). Their ratio over a round is Prisma's statements per request.
 * @param {string} url
 */
async function prismaCounters(url) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const counters = { statements: 0, responses: 0 };
  for (const line of text.split('\n')) {
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (line.startsWith('db_query_duration_seconds_count{') && line.includes('table="outbox_messages"')) {
      counters.statements += value;
    } else if (
      line.startsWith('http_request_duration_seconds_count{') &&
      line.includes('route="/bench/db/prisma/:id"')
    ) {
      counters.responses += value;
    }
  }
  return counters;
}

/** @param {string} url @param {string} path */
async function getJson(url, path) {
  const response = await fetch(`${url}${path}`);
  const body = await response.text();
  if (response.status !== 200) throw new Error(`GET ${path} answered ${response.status}: ${body}`);
  return JSON.parse(body);
}

/** @type {import('../lib/harness').Scenario} */
module.exports = {
  name: 'db-read',
  summary:
    'one outbox row by id in a request: Prisma findUnique vs raw pg in the API app, bare Fastify + pg as ceiling',
  async run({ params, serverEnv, databaseUrl, log }) {
    log(`seeding ${ROWS.toLocaleString('en-US')} outbox rows`);
    const ids = await seed(databaseUrl);
    const lookup = await captureFindUniqueSql(databaseUrl, ids[0]);
    log(`statement captured from Prisma's query log: ${lookup.sql} -- params ${JSON.stringify(lookup.params)}`);
    const env = { ...serverEnv, BENCH_DB_SQL: lookup.sql, BENCH_DB_PARAMS: JSON.stringify(lookup.params) };
    const randomId = () => ids[Math.floor(Math.random() * ids.length)];

    /** @type {import('../lib/harness').Round[]} */
    const rounds = [];

    /** @param {number} round */
    const ceilingRound = async (round) => {
      const server = await startServer(CEILING, 'bare-server.js', env);
      try {
        const row = await getJson(server.url, `/bench/db/pg/${ids[0]}`);
        if (row.id !== ids[0]) throw new Error(`${CEILING}: wrong row ${JSON.stringify(row)}`);
        const result = await measure({ server, nextPath: () => `/bench/db/pg/${randomId()}`, params });
        assertClean(result, `${CEILING}, round ${round}`, server);
        rounds.push({ variant: CEILING, round, ...result });
        log(`db-read round ${round}, ${CEILING}: ${describeRound(result)}`);
      } finally {
        await server.stop();
      }
    };

    // The ceiling brackets the app's run: one of its rounds before, the rest after.
    await ceilingRound(1);

    const app = await startServer('API app', 'app-server.js', { ...env, BENCH_MODULES: 'db' });
    try {
      // Both routes answer, with the same row.
      const viaPrisma = await getJson(app.url, `/bench/db/prisma/${ids[0]}`);
      const viaPg = await getJson(app.url, `/bench/db/pg/${ids[0]}`);
      if (viaPrisma.id !== ids[0] || viaPg.id !== ids[0] || viaPrisma.jobName !== viaPg.job_name) {
        throw new Error(`the bench routes disagree: ${JSON.stringify({ viaPrisma, viaPg })}`);
      }
      const variants = [
        { variant: APP_PRISMA, route: 'prisma' },
        { variant: APP_PG, route: 'pg' },
      ];
      for (let round = 1; round <= params.rounds; round++) {
        for (const { variant, route } of round % 2 ? variants : [...variants].reverse()) {
          const result = await measure({
            server: app,
            nextPath: () => `/bench/db/${route}/${randomId()}`,
            params,
            counters: route === 'prisma' ? () => prismaCounters(app.url) : undefined,
          });
          assertClean(result, `${variant}, round ${round}`, app);
          rounds.push({ variant, round, ...result });
          const batching = result.counted
            ? `, ${(result.counted.statements / Math.max(1, result.counted.responses)).toFixed(2)} statements per request`
            : '';
          log(`db-read round ${round}, ${variant}: ${describeRound(result)}${batching}`);
        }
      }
    } finally {
      await app.stop();
    }

    for (let round = 2; round <= params.rounds; round++) await ceilingRound(round);

    const rows = [
      resultRow(rounds, CEILING, CEILING),
      resultRow(rounds, APP_PG, CEILING),
      resultRow(rounds, APP_PRISMA, CEILING),
    ];
    const prismaVsPg = rows[2].requestsPerSecond / rows[1].requestsPerSecond;
    const prismaRounds = rounds.filter((r) => r.variant === APP_PRISMA);
    const statements = prismaRounds.reduce((sum, r) => sum + (r.counted?.statements ?? 0), 0);
    const responses = prismaRounds.reduce((sum, r) => sum + (r.counted?.responses ?? 0), 0);
    const statementsPerRequest = statements / Math.max(1, responses);
    return {
      rows,
      rounds,
      notes: [
        `Prisma / raw pg, both inside the API app: ${(prismaVsPg * 100).toFixed(0)}% of the requests/s (no target).`,
        "Context (DESIGN.md): Prisma 6.19's findUnique costs about 4x pg's CPU per lookup on these machines (~330 us vs ~47 us).",
        `The pg routes send the statement captured from Prisma's query log for this findUnique (${lookup.params.length} parameters: id, LIMIT, OFFSET), unnamed (not prepared).`,
        `Prisma's extra server CPU per request (Prisma route minus pg route, medians): ${Math.round(rows[2].cpuMicrosPerRequest - rows[1].cpuMicrosPerRequest)} µs.`,
        `Prisma sent ${statementsPerRequest.toFixed(2)} statements per request` +
          (statementsPerRequest < 0.99
            ? ': it batches findUnique calls made in the same tick into one IN (...) query.'
            : ' (it batches findUnique calls made in the same tick; here requests arrived in separate ticks).'),
        `The app logs each bench request at LOG_LEVEL=${params.logLevel} (stdout to /dev/null); the ceiling has no logger. Both app routes pass the global rate limit and the request logger like any API route.`,
        `${ROWS.toLocaleString('en-US')} seeded rows, a random id per request.`,
      ],
      details: {
        rowsSeeded: ROWS,
        sql: lookup.sql,
        sqlSource: "captured from Prisma's query log (findUnique on outboxMessage)",
        params: lookup.params,
        prismaVsPg,
        prismaStatementsPerRequest: statementsPerRequest,
        order: 'ceiling round 1; API app (one server): Prisma and pg alternating ABBA; remaining ceiling rounds',
      },
    };
  },
};
