// @ts-check
/**
 * What every scenario shares: the parameters (with their environment overrides), the server child
 * processes (one at a time, each in its own process group, always killed at the end), the load
 * generator (autocannon in the runner's process, so it never shares an event loop with a server),
 * medians, and the per-run database.
 */
const { spawn } = require('node:child_process');
const path = require('node:path');
const { adminQuery, prismaCli, withDatabase } = require('../../scripts/lib/local-services');

const ROOT = path.join(__dirname, '..', '..');

/** @param {string} message */
const log = (message) => process.stdout.write(`[bench] ${message}\n`);

/**
 * @param {string} name
 * @param {number} fallback
 * @param {{ min?: number, integer?: boolean }} [limits]
 */
function numberFromEnv(name, fallback, limits = {}) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  const min = limits.min ?? 1;
  if (!Number.isFinite(value) || value < min || (limits.integer && !Number.isInteger(value))) {
    throw new Error(`${name}=${raw}: expected ${limits.integer ? 'an integer' : 'a number'} >= ${min}`);
  }
  return value;
}

/**
 * @typedef {object} BenchParams
 * @property {number} duration   seconds measured per round (BENCH_DURATION)
 * @property {number} warmup     seconds of load before each measurement, discarded (BENCH_WARMUP)
 * @property {number} connections concurrent connections (BENCH_CONNECTIONS)
 * @property {number} rounds     rounds per variant (BENCH_ROUNDS)
 * @property {number} pipelining requests in flight per connection (always 1)
 * @property {string} logLevel   LOG_LEVEL of the API app (BENCH_LOG_LEVEL)
 */

/** @returns {BenchParams} */
function benchParams() {
  return {
    duration: numberFromEnv('BENCH_DURATION', 10),
    warmup: numberFromEnv('BENCH_WARMUP', 3, { min: 0 }),
    connections: numberFromEnv('BENCH_CONNECTIONS', 50, { integer: true }),
    rounds: numberFromEnv('BENCH_ROUNDS', 2, { integer: true }),
    pipelining: 1,
    logLevel: process.env.BENCH_LOG_LEVEL || 'info',
  };
}

/** @param {number[]} values */
function median(values) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const sleep = (/** @type {number} */ ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// Server child processes
// ---------------------------------------------------------------------------------------------

/**
 * @typedef {object} ServerChild
 * @property {string} label
 * @property {number} pid
 * @property {string} url       http://127.0.0.1:<port>
 * @property {() => string} stderrTail  the last lines the child wrote to stderr
 * @property {() => boolean} alive
 * @property {() => Promise<number>} cpuMicros  the child's CPU time so far (user + system), µs
 * @property {() => Promise<void>} stop  SIGTERM (graceful), SIGKILL after a grace period
 */

/** @type {Set<import('node:child_process').ChildProcess>} */
const liveChildren = new Set();

let aborted = false;
/** The autocannon instance running now, if any. @type {{ stop: () => void } | undefined} */
let runningInstance;

/** After Ctrl-C: no new server or load run starts, and the running load run stops. */
function abort() {
  aborted = true;
  runningInstance?.stop();
}

function throwIfAborted() {
  if (aborted) throw new Error('interrupted');
}

/** @param {import('node:child_process').ChildProcess} child @param {NodeJS.Signals} signal */
function signalGroup(child, signal) {
  if (!child.pid) return;
  try {
    process.kill(-child.pid, signal); // the child's whole process group (it was spawned detached)
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

/** Last resort (process exit, second Ctrl-C): SIGKILL every server child still running. */
function killAllChildrenNow() {
  for (const child of liveChildren) signalGroup(child, 'SIGKILL');
  liveChildren.clear();
}

/** Stops every server child still running, gracefully first. */
async function stopAllChildren() {
  await Promise.all([...liveChildren].map((child) => stopChild(child)));
}

/** @param {import('node:child_process').ChildProcess} child @param {number} [graceMs] */
async function stopChild(child, graceMs = 6_000) {
  if (child.exitCode !== null || child.signalCode !== null) {
    liveChildren.delete(child);
    return;
  }
  const exited = new Promise((resolve) => child.once('exit', resolve));
  signalGroup(child, 'SIGTERM');
  const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
  // Anything the child itself started in its group goes too.
  signalGroup(child, 'SIGKILL');
  liveChildren.delete(child);
}

/**
 * Starts one server (bench/servers/<script>) as a child process and waits for its "listening"
 * message. Its stdout goes to /dev/null (the API's JSON logs are written, and paid for, but not
 * kept); stderr is kept in memory for error messages.
 * @param {string} label
 * @param {string} script  file name under bench/servers/
 * @param {NodeJS.ProcessEnv} env
 * @param {number} [timeoutMs]
 * @returns {Promise<ServerChild>}
 */
async function startServer(label, script, env, timeoutMs = 60_000) {
  throwIfAborted();
  const child = spawn(process.execPath, [path.join(__dirname, '..', 'servers', script)], {
    cwd: ROOT,
    env,
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  liveChildren.add(child);
  /** @type {string[]} */
  let stderr = [];
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (/** @type {string} */ chunk) => {
    stderr.push(chunk);
    if (stderr.length > 200) stderr = stderr.slice(-100);
  });
  const stderrTail = () => stderr.join('').split('\n').slice(-40).join('\n').trim();
  child.once('exit', () => liveChildren.delete(child));
  /** @type {((micros: number) => void)[]} */
  const cpuWaiters = [];
  child.on('message', (/** @type {{ type?: string, user?: number, system?: number }} */ message) => {
    if (message?.type === 'cpu') cpuWaiters.shift()?.((message.user ?? 0) + (message.system ?? 0));
  });
  /** @returns {Promise<number>} */
  const cpuMicros = () =>
    new Promise((resolve, reject) => {
      cpuWaiters.push(resolve);
      child.send({ type: 'cpu' }, (error) => error && reject(error));
    });
  try {
    const port = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${label} did not start within ${timeoutMs} ms`)), timeoutMs);
      child.on('message', (/** @type {{ type?: string, port?: number }} */ message) => {
        if (message?.type === 'listening') {
          clearTimeout(timer);
          resolve(message.port);
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${label} exited before listening (${signal ?? `code ${code}`})`));
      });
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    return {
      label,
      pid: /** @type {number} */ (child.pid),
      url: `http://127.0.0.1:${port}`,
      stderrTail,
      alive: () => child.exitCode === null && child.signalCode === null,
      cpuMicros,
      stop: () => stopChild(child),
    };
  } catch (error) {
    await stopChild(child, 2_000);
    const tail = stderrTail();
    throw new Error(
      `${error instanceof Error ? error.message : String(error)}${tail ? `\n--- its stderr ---\n${tail}` : ''}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Load generation
// ---------------------------------------------------------------------------------------------

/**
 * The part of autocannon's result that is kept for each round.
 * @typedef {object} LoadResult
 * @property {number} requestsPerSecond  mean of the per-second samples (autocannon's "Req/Sec avg")
 * @property {number} p50   latency, ms
 * @property {number} p99   latency, ms
 * @property {number} meanLatency  ms
 * @property {number} maxLatency   ms
 * @property {number} requests  2xx responses in the measured window
 * @property {number} non2xx
 * @property {number} errors
 * @property {number} timeouts
 * @property {number} seconds  measured duration
 * @property {number} cpuMicrosPerRequest  the server process's CPU time (user + system) over the
 *   measured window divided by the responses in it: steadier than req/s on a shared machine, and
 *   without the database server's own work
 * @property {Record<string, number>} [counted]  increase of each of the `counters` of measure() over the measured window
 */

/**
 * The part of autocannon's result read here (autocannon ships no types).
 * @typedef {{
 *   requests: { average: number },
 *   latency: { p50: number, p99: number, mean: number, max: number },
 *   '2xx': number,
 *   non2xx: number,
 *   errors: number,
 *   timeouts: number,
 *   duration: number,
 * }} AutocannonResult
 */

/**
 * @typedef {(options: Record<string, unknown>, done: (error: Error | null, result: AutocannonResult) => void) => { stop: () => void }} Autocannon
 */

/** Through a variable, so that the type checker does not look for autocannon's (missing) declarations. */
const AUTOCANNON = 'autocannon';

/**
 * @param {Record<string, unknown>} options autocannon options
 * @returns {Promise<AutocannonResult>}
 */
function autocannonRun(options) {
  throwIfAborted();
  /** @type {Autocannon} */
  const autocannon = require(AUTOCANNON);
  return new Promise((resolve, reject) => {
    const instance = autocannon(options, (error, result) => {
      runningInstance = undefined;
      if (error) reject(error);
      else resolve(result);
    });
    runningInstance = instance;
  });
}

/**
 * Warm-up (discarded), then one measured run against `server`.
 * @param {object} options
 * @param {ServerChild} options.server
 * @param {string} [options.path]  fixed path
 * @param {() => string} [options.nextPath]  a path per request (e.g. a random id)
 * @param {Record<string, string>} [options.headers]  sent with every request (e.g. `authorization`)
 * @param {BenchParams} options.params
 * @param {() => Promise<Record<string, number>>} [options.counters]  server-side counters, read just
 *   before and just after the measured run
 * @returns {Promise<LoadResult>}
 */
async function measure({ server, path: fixedPath, nextPath, headers, params, counters }) {
  const url = server.url;
  const requests = nextPath
    ? [{ method: 'GET', setupRequest: (/** @type {{ path: string }} */ req) => ({ ...req, path: nextPath() }) }]
    : undefined;
  const base = {
    url: fixedPath ? `${url}${fixedPath}` : url,
    connections: params.connections,
    pipelining: params.pipelining,
    requests,
    ...(headers ? { headers } : {}),
  };
  if (params.warmup > 0) await autocannonRun({ ...base, duration: params.warmup });
  const before = counters ? await counters() : {};
  const cpuBefore = await server.cpuMicros();
  const result = await autocannonRun({ ...base, duration: params.duration });
  throwIfAborted(); // a run stopped by Ctrl-C is not a result
  const cpuAfter = await server.cpuMicros();
  const after = counters ? await counters() : {};
  return {
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    meanLatency: result.latency.mean,
    maxLatency: result.latency.max,
    requests: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    seconds: result.duration,
    cpuMicrosPerRequest: (cpuAfter - cpuBefore) / Math.max(1, result['2xx'] + result.non2xx),
    ...(counters
      ? { counted: Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)])) }
      : {}),
  };
}

/**
 * A round with failed requests measures something else: stop there, with the server's stderr.
 * @param {LoadResult} result @param {string} what @param {ServerChild} server
 */
function assertClean(result, what, server) {
  if (result.non2xx === 0 && result.errors === 0 && result.timeouts === 0) return;
  const tail = server.stderrTail();
  throw new Error(
    `${what}: ${result.non2xx} non-2xx responses, ${result.errors} errors, ${result.timeouts} timeouts` +
      `${server.alive() ? '' : ' (the server has exited)'}${tail ? `\n--- server stderr ---\n${tail}` : ''}`,
  );
}

/** @param {LoadResult} r */
const describeRound = (r) =>
  `${Math.round(r.requestsPerSecond).toLocaleString('en-US')} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, ` +
  `server CPU ${Math.round(r.cpuMicrosPerRequest)} µs/request`;

// ---------------------------------------------------------------------------------------------
// Per-run database
// ---------------------------------------------------------------------------------------------

/** Applies prisma/migrations as `npm run db:deploy` does. @param {string} url */
function migrate(url) {
  prismaCli(url, ['migrate', 'deploy']);
}

/** @param {string} adminUrl @param {string} database */
async function dropDatabase(adminUrl, database) {
  await adminQuery(adminUrl, `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
}

// ---------------------------------------------------------------------------------------------
// What a scenario is
// ---------------------------------------------------------------------------------------------

/**
 * @typedef {object} ScenarioContext
 * @property {BenchParams} params
 * @property {string} databaseUrl  this run's own (migrated) database
 * @property {NodeJS.ProcessEnv} serverEnv  the environment for server children (bench/servers/)
 * @property {(message: string) => void} log
 */

/**
 * @typedef {LoadResult & { variant: string, round: number }} Round
 */

/**
 * @typedef {object} ResultRow
 * @property {string} variant
 * @property {number} requestsPerSecond  median over the rounds
 * @property {number} p50  median over the rounds, ms
 * @property {number} p99  median over the rounds, ms
 * @property {number} cpuMicrosPerRequest  median over the rounds
 * @property {number} ratio  median req/s divided by the ceiling's median req/s (1 for the ceiling)
 * @property {boolean} ceiling
 * @property {string | null} target  e.g. ">= 60%"
 * @property {boolean | null} pass  null without a target
 */

/**
 * @typedef {object} ScenarioResult
 * @property {ResultRow[]} rows
 * @property {Round[]} rounds  every measured round, in the order run
 * @property {string[]} notes  printed under the table
 * @property {Record<string, unknown>} details  kept in the JSON file
 */

/**
 * @typedef {object} Scenario
 * @property {string} name
 * @property {string} summary  one line, for the scenario list
 * @property {(ctx: ScenarioContext) => Promise<ScenarioResult>} run
 */

/**
 * Medians of one variant's rounds.
 * @param {Round[]} rounds @param {string} variant
 */
function mediansOf(rounds, variant) {
  const own = rounds.filter((r) => r.variant === variant);
  return {
    requestsPerSecond: median(own.map((r) => r.requestsPerSecond)),
    p50: median(own.map((r) => r.p50)),
    p99: median(own.map((r) => r.p99)),
    cpuMicrosPerRequest: median(own.map((r) => r.cpuMicrosPerRequest)),
  };
}

/**
 * A result row from the medians of `variant`, compared with the ceiling's medians.
 * @param {Round[]} rounds
 * @param {string} variant
 * @param {string} ceilingVariant
 * @param {number | null} [targetRatio]  the least acceptable ratio, when there is a target
 * @returns {ResultRow}
 */
function resultRow(rounds, variant, ceilingVariant, targetRatio = null) {
  const own = mediansOf(rounds, variant);
  const ceiling = mediansOf(rounds, ceilingVariant);
  const ratio = own.requestsPerSecond / ceiling.requestsPerSecond;
  return {
    variant,
    ...own,
    ratio,
    ceiling: variant === ceilingVariant,
    target: targetRatio === null ? null : `>= ${Math.round(targetRatio * 100)}%`,
    pass: targetRatio === null ? null : ratio >= targetRatio,
  };
}

module.exports = {
  mediansOf,
  resultRow,
  ROOT,
  log,
  benchParams,
  median,
  sleep,
  startServer,
  stopAllChildren,
  killAllChildrenNow,
  measure,
  abort,
  assertClean,
  describeRound,
  withDatabase,
  adminQuery,
  migrate,
  dropDatabase,
};
