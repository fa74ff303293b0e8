// @ts-check
/**
 * `npm start`: builds if the sources changed, makes sure PostgreSQL and Redis are there (embedded
 * ones when DATABASE_URL / REDIS_URL are not set, see lib/local-services.js), applies migrations,
 * then runs the API and the worker as two processes, as in production, so that a crash or a
 * shutdown of one is seen the same way here as there. Ctrl-C or SIGTERM stops the API and worker
 * first (they drain HTTP and finish running jobs), then the servers started here.
 */
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { buildIfNeeded } = require('./lib/build');
const { provisionAppRole, resolveDatabaseUrls } = require('./lib/app-role');
const { ensurePostgres, ensureRedis, prismaCli, ROOT } = require('./lib/local-services');

const log = (/** @type {string} */ message) => process.stdout.write(`[itinera] ${message}\n`);
/** Children get less than the launcher's 10 s budget, leaving time to stop PostgreSQL and Redis. */
const CHILD_GRACE_MS = 7_000;

/** @param {string} url @param {number} timeoutMs */
async function waitUntilReady(url, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return true;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}

async function main() {
  // The same .env the apps read: a DATABASE_URL or REDIS_URL there means no embedded server.
  if (fs.existsSync(path.join(ROOT, '.env'))) process.loadEnvFile(path.join(ROOT, '.env'));
  buildIfNeeded(log);
  /** @type {import('./lib/local-services').Service} */
  let postgres;
  try {
    postgres = await ensurePostgres(log);
  } catch (error) {
    process.stderr.write(`[itinera] ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
  /** @type {import('./lib/local-services').Service | undefined} */
  let redis;
  /** @type {import('node:child_process').ChildProcess[]} */
  const children = [];
  let stopping = false;

  const stopAll = async (/** @type {number} */ code) => {
    if (stopping) return;
    stopping = true;
    log('stopping: draining the API and the worker');
    const exits = children
      .filter((c) => c.exitCode === null && c.signalCode === null)
      .map(
        (c) =>
          new Promise((resolve) => {
            c.once('exit', resolve);
            if (c.pid) process.kill(-c.pid, 'SIGTERM');
          }),
      );
    const timer = setTimeout(
      () => children.forEach((c) => c.pid && c.exitCode === null && process.kill(-c.pid, 'SIGKILL')),
      CHILD_GRACE_MS + 500,
    );
    await Promise.all(exits);
    clearTimeout(timer);
    await redis?.stop();
    if (postgres.started) log('stopping the embedded PostgreSQL');
    await postgres.stop();
    log('stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  try {
    redis = await ensureRedis(log);
    // Migrations run as the owner; the apps connect as the app role, which RLS applies to.
    const databases = resolveDatabaseUrls(postgres.url);
    const env = /** @type {Record<string, string>} */ ({
      ...process.env,
      DATABASE_URL: databases.app,
      DIRECT_DATABASE_URL: databases.direct,
      REDIS_URL: /** @type {import('./lib/local-services').Service} */ (redis).url,
      SHUTDOWN_GRACE_MS: process.env.SHUTDOWN_GRACE_MS || String(CHILD_GRACE_MS),
      LOG_PRETTY: process.env.LOG_PRETTY || (process.stdout.isTTY ? 'true' : 'false'),
    });
    log('applying database migrations');
    prismaCli(env.DATABASE_URL, ['migrate', 'deploy'], env.DIRECT_DATABASE_URL);
    await provisionAppRole(env.DIRECT_DATABASE_URL, env.DATABASE_URL);
    for (const app of ['api', 'worker']) {
      // Own process group: a terminal's Ctrl-C reaches the launcher only, which orders the shutdown.
      const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'apps', app, 'src', 'main.js')], {
        cwd: ROOT,
        env,
        stdio: 'inherit',
        detached: true,
      });
      child.once('exit', (code, signal) => {
        if (!stopping) {
          log(`the ${app} exited (${signal ?? `code ${code}`}); stopping everything`);
          void stopAll(1);
        }
      });
      children.push(child);
    }
    const host = env.HOST && env.HOST !== '0.0.0.0' ? env.HOST : '127.0.0.1';
    const api = `http://${host}:${env.PORT || 3000}`;
    const worker = `http://${host}:${env.WORKER_PORT || 3001}`;
    if (!(await waitUntilReady(`${api}/health/ready`, 60_000)))
      throw new Error(`the API did not become ready at ${api}/health/ready`);
    log('Itinera is running:');
    log(`  API              ${api}`);
    log(`  API docs         ${api}/docs  (OpenAPI JSON: ${api}/docs-json)`);
    log(`  Queue dashboard  ${api}/admin/queues`);
    log(`  Worker health    ${worker}/health/ready`);
    log(`  PostgreSQL       ${env.DATABASE_URL.replace(/:[^:@/]*@/, ':***@')}`);
    log(`  Redis            ${/** @type {import('./lib/local-services').Service} */ (redis).url}`);
    log('Press Ctrl-C to stop.');
  } catch (error) {
    process.stderr.write(`[itinera] ${error instanceof Error ? error.message : String(error)}\n`);
    await stopAll(1);
  }
}

void main();
