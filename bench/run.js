// @ts-check
/**
 * `npm run bench [-- <scenario>|all]`: the benchmark runner (see bench/README.md).
 * - no argument: lists the scenarios;
 * - builds if the sources changed, finds or starts PostgreSQL and Redis exactly like `npm start` and
 *   `npm test` (scripts/lib/local-services.js; .env is read the same way);
 * - each scenario gets its own database, itinera_bench_<scenario>_<timestamp>, migrated with the
 *   project's CLI and dropped at the end, and its own QUEUE_PREFIX, itinera-bench-<timestamp>,
 *   whose Redis keys are deleted at the end;
 * - servers run in child processes, one at a time (bench/servers/), the load generator here;
 * - prints a table and writes every round to bench/results/<scenario>-<timestamp>.json.
 * Ctrl-C or SIGTERM stops the load, the servers, drops the database and stops the services started
 * here; a second Ctrl-C kills the servers at once.
 * Exit code: 0, or 1 when a target was missed, or 2 when a scenario could not run.
 */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { buildIfNeeded } = require('../scripts/lib/build');
const { appRoleUrl, provisionAppRole } = require('../scripts/lib/app-role');
const { ensureDatabase, ensurePostgres, ensureRedis } = require('../scripts/lib/local-services');
const { randomBytes } = require('node:crypto');
const harness = require('./lib/harness');

const { ROOT, log } = harness;
const RESULTS_DIR = path.join(__dirname, 'results');

/** @type {import('./lib/harness').Scenario[]} */
const SCENARIOS = [
  require('./scenarios/health'),
  require('./scenarios/db-read'),
  require('./scenarios/tenant-read'),
  require('./scenarios/audit-write'),
  require('./scenarios/recipient-link'),
  require('./scenarios/workflow-list'),
  require('./scenarios/expiry'),
  require('./scenarios/analysis-queue'),
];

/**
 * The app's global rate limit (RATE_LIMIT_MAX, 600 per minute by default) would turn most of a
 * benchmark into 429s; it is raised out of the way, while the rate-limit hook itself still runs.
 */
const UNLIMITED_RATE = '100000000';

function usage() {
  const lines = [
    'usage: npm run bench -- <scenario>|all',
    '',
    'scenarios:',
    ...SCENARIOS.map((s) => `  ${s.name.padEnd(Math.max(...SCENARIOS.map((t) => t.name.length)))} ${s.summary}`),
    '  all       every scenario, one after the other',
    '',
    'environment: BENCH_DURATION (s, default 10), BENCH_WARMUP (s, 3), BENCH_CONNECTIONS (50),',
    "             BENCH_ROUNDS (rounds per variant, 2), BENCH_LOG_LEVEL (the app's LOG_LEVEL, info)",
  ];
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Cleanup: everything started is registered here, so that Ctrl-C undoes it as the normal path does.
// ---------------------------------------------------------------------------------------------

/** @type {{ label: string, run: () => Promise<void> }[]} */
const cleanups = [];

/**
 * Registers `fn`, to run once: from the normal path (call the returned function) or on Ctrl-C.
 * @param {string} label @param {() => Promise<unknown>} fn
 */
function deferCleanup(label, fn) {
  /** @type {Promise<void> | undefined} */
  let done;
  const entry = {
    label,
    run: () =>
      (done ??= (async () => {
        try {
          await fn();
        } catch (error) {
          log(`cleanup "${label}" failed: ${error instanceof Error ? error.message : String(error)}`);
        } finally {
          const index = cleanups.indexOf(entry);
          if (index >= 0) cleanups.splice(index, 1);
        }
      })()),
  };
  cleanups.push(entry);
  return entry.run;
}

async function runAllCleanups() {
  await harness.stopAllChildren();
  while (cleanups.length) await cleanups[cleanups.length - 1].run();
}

let interrupted = false;
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.on(signal, () => {
    if (interrupted) {
      harness.killAllChildrenNow();
      process.exit(130);
    }
    interrupted = true;
    log(`${signal}: stopping the servers, dropping the run database, stopping what was started (again to force)`);
    harness.abort();
    void runAllCleanups().finally(() => process.exit(130));
  });
}
process.on('exit', () => harness.killAllChildrenNow());

// ---------------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------------

/** @param {number} n @param {number} [digits] */
const fixed = (n, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : '-');

/**
 * @param {{ scenario: string, rows: import('./lib/harness').ResultRow[] }[]} results
 */
function formatTable(results) {
  const header = ['scenario', 'variant', 'req/s', 'p50 ms', 'p99 ms', 'CPU µs/req', 'vs ceiling', 'target', 'result'];
  const lines = results.flatMap(({ scenario, rows }) =>
    rows.map((row) => [
      scenario,
      row.variant,
      Number.isFinite(row.requestsPerSecond) ? Math.round(row.requestsPerSecond).toLocaleString('en-US') : '-',
      fixed(row.p50),
      fixed(row.p99),
      fixed(row.cpuMicrosPerRequest, 0),
      row.ceiling ? 'ceiling' : Number.isFinite(row.ratio) ? `${(row.ratio * 100).toFixed(1)}%` : '-',
      row.target ?? '-',
      row.pass === null ? '-' : row.pass ? 'PASS' : 'FAIL',
    ]),
  );
  const numeric = new Set([2, 3, 4, 5, 6]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const render = (/** @type {string[]} */ cells) =>
    cells
      .map((c, i) => (numeric.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [render(header), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.map(render)].join('\n');
}

function gitRevision() {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT }).toString().trim();
    const dirty = execFileSync('git', ['status', '--porcelain'], { cwd: ROOT }).toString().trim() !== '';
    return { commit, dirty };
  } catch {
    return { commit: null, dirty: null };
  }
}

function machine() {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? null,
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    totalMemoryGiB: Math.round(os.totalmem() / 2 ** 30),
    loadAverage: os.loadavg(),
  };
}

/** The server without credentials, for the record. @param {string} url */
function describeUrl(url) {
  const u = new URL(url);
  return `${u.protocol}//${u.hostname}:${u.port}${u.pathname}`;
}

// ---------------------------------------------------------------------------------------------
// Running one scenario
// ---------------------------------------------------------------------------------------------

/**
 * @param {import('./lib/harness').Scenario} scenario
 * @param {{ adminUrl: string, redisUrl: string, params: import('./lib/harness').BenchParams }} setup
 */
async function runScenario(scenario, { adminUrl, redisUrl, params }) {
  const startedAt = new Date();
  const stamp = startedAt
    .toISOString()
    .replace(/\.\d+Z$/, '')
    .replace(/[-:T]/g, '');
  const database = `itinera_bench_${scenario.name.replace(/-/g, '_')}_${stamp}`;
  const queuePrefix = `itinera-bench-${stamp}`;
  const databaseUrl = harness.withDatabase(adminUrl, database);
  const machineAtStart = machine();

  log(`${scenario.name}: database ${database}, queue prefix ${queuePrefix}`);
  const dropDatabase = deferCleanup(`drop database ${database}`, () => harness.dropDatabase(adminUrl, database));
  const deleteQueueKeys = deferCleanup(`delete Redis keys ${queuePrefix}*`, () => deleteKeys(redisUrl, queuePrefix));
  try {
    await ensureDatabase(adminUrl, database);
    harness.migrate(databaseUrl);
    // The apps connect as the app role, as in production (row-level security applies); scenarios
    // seed through `databaseUrl`, the owner.
    const appDatabaseUrl = appRoleUrl(databaseUrl);
    await provisionAppRole(databaseUrl, appDatabaseUrl);
    const postgresVersion = (await harness.adminQuery(databaseUrl, 'SHOW server_version')).rows[0].server_version;

    /** @type {NodeJS.ProcessEnv} */
    const serverEnv = {
      ...process.env,
      NODE_ENV: 'production',
      DATABASE_URL: appDatabaseUrl,
      DIRECT_DATABASE_URL: databaseUrl,
      // Production refuses the public development secrets: each run gets its own.
      JWT_SECRET: randomBytes(32).toString('base64url'),
      ENCRYPTION_KEYS: `bench:${randomBytes(32).toString('base64')}`,
      IDENTITY_HASH_KEY: randomBytes(32).toString('base64'),
      REDIS_URL: redisUrl,
      QUEUE_PREFIX: queuePrefix,
      RATE_LIMIT_MAX: UNLIMITED_RATE,
      // Logging is part of "every global middleware on", so the app keeps its production level
      // (info) and really serialises and writes its log lines; the server's stdout is /dev/null, so
      // the cost measured is pino's, not a terminal's. pino-pretty (LOG_PRETTY, a worker thread)
      // is a development aid and stays off. The bare route has no logger at all: it is the ceiling.
      LOG_LEVEL: params.logLevel,
      LOG_PRETTY: 'false',
    };
    for (const name of ['BENCH_DB_SQL', 'BENCH_DB_PARAMS', 'BENCH_MODULES']) delete serverEnv[name];

    const result = await scenario.run({ params, databaseUrl, serverEnv, log });
    const finishedAt = new Date();

    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    const file = path.join(RESULTS_DIR, `${scenario.name}-${startedAt.toISOString().replace(/:/g, '-')}.json`);
    const record = {
      scenario: scenario.name,
      summary: scenario.summary,
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      parameters: {
        ...params,
        logDestination: '/dev/null (the API app); the bare Fastify server has no logger',
        rateLimitMax: Number(UNLIMITED_RATE),
        loadGenerator: 'autocannon (in the runner process; servers in child processes, one at a time)',
        requestsPerSecond: "autocannon's mean of per-second samples; medians over rounds",
      },
      machine: { ...machineAtStart, loadAverageAtEnd: os.loadavg() },
      git: gitRevision(),
      services: { postgres: describeUrl(databaseUrl), postgresVersion, redis: describeUrl(redisUrl), queuePrefix },
      rows: result.rows,
      notes: result.notes,
      details: result.details,
      rounds: result.rounds,
    };
    fs.writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
    const load = (/** @type {number[]} */ l) => l.map((v) => v.toFixed(2)).join(' ');
    const notes = [
      ...result.notes,
      `Load average (1/5/15 min) at start ${load(record.machine.loadAverage)}, at end ${load(record.machine.loadAverageAtEnd)}.`,
    ];
    return { scenario: scenario.name, rows: result.rows, notes, file };
  } finally {
    await harness.stopAllChildren();
    await deleteQueueKeys();
    await dropDatabase();
  }
}

/** Deletes the keys of one queue prefix (Bull's queues of this run). @param {string} redisUrl @param {string} prefix */
async function deleteKeys(redisUrl, prefix) {
  const Redis = require('ioredis').default;
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const [which, ...rest] = process.argv.slice(2);
  if (!which || which === '--help' || which === '-h' || rest.length) {
    process.stdout.write(`${usage()}\n`);
    return 0;
  }
  const selected = which === 'all' ? SCENARIOS : SCENARIOS.filter((s) => s.name === which);
  if (!selected.length) {
    process.stderr.write(`unknown scenario "${which}"\n\n${usage()}\n`);
    return 2;
  }
  const params = harness.benchParams();
  // The same .env the apps, `npm start` and `npm test` read: DIRECT_DATABASE_URL (else
  // DATABASE_URL) there names the server, which the runner uses as its owner.
  if (fs.existsSync(path.join(ROOT, '.env'))) process.loadEnvFile(path.join(ROOT, '.env'));
  buildIfNeeded(log);

  const postgres = await ensurePostgres(log, process.env.DIRECT_DATABASE_URL);
  deferCleanup('stop PostgreSQL', () => postgres.stop());
  const redis = await ensureRedis(log);
  deferCleanup('stop Redis', () => redis.stop());
  log(
    `${os.cpus().length} CPUs, node ${process.version}; ${params.rounds} rounds per variant, ` +
      `${params.warmup} s warm-up + ${params.duration} s measured, ${params.connections} connections, ` +
      `pipelining ${params.pipelining}; app LOG_LEVEL=${params.logLevel} (stdout to /dev/null)`,
  );

  /** @type {{ scenario: string, rows: import('./lib/harness').ResultRow[], notes: string[], file: string }[]} */
  const results = [];
  let failedToRun = false;
  try {
    for (const scenario of selected) {
      try {
        results.push(await runScenario(scenario, { adminUrl: postgres.url, redisUrl: redis.url, params }));
      } catch (error) {
        if (interrupted) throw error;
        failedToRun = true;
        process.stderr.write(`[bench] ${scenario.name} failed: ${error instanceof Error ? error.message : error}\n`);
      }
    }
  } finally {
    await runAllCleanups();
  }

  if (results.length) {
    process.stdout.write(`\n${formatTable(results)}\n`);
    for (const { scenario, notes, file } of results) {
      process.stdout.write(`\n${scenario}:\n${notes.map((n) => `  - ${n}`).join('\n')}\n`);
      process.stdout.write(`  raw rounds: ${path.relative(ROOT, file)}\n`);
    }
    process.stdout.write(
      [
        '',
        'Medians over the rounds. "vs ceiling" is req/s against the ceiling measured in the same run; CPU µs/req',
        "is the server process's own CPU per response (not the database's). Compare within one run only: on",
        'this shared machine runs vary by up to ±25%.',
        '',
      ].join('\n'),
    );
  }
  if (failedToRun) return 2;
  return results.some((r) => r.rows.some((row) => row.pass === false)) ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  async (error) => {
    if (!interrupted) {
      process.stderr.write(`[bench] ${error instanceof Error ? error.message : String(error)}\n`);
      await runAllCleanups();
      process.exit(2);
    }
    // Interrupted: the signal handler finishes the cleanup and exits.
  },
);
