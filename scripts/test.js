// @ts-check
/**
 * `npm test` (unit, then e2e) and `npm run test:e2e` (e2e only): finds or starts PostgreSQL and Redis
 * exactly as `npm start` does (lib/local-services.js), runs jest, and stops what it started.
 * Extra arguments go to jest, e.g. `npm run test:e2e -- test/platform/outbox.e2e-spec.ts`.
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { ensurePostgres, ensureRedis, ROOT } = require('./lib/local-services');

const [suite = 'all', ...jestArgs] = process.argv.slice(2);
const log = (/** @type {string} */ message) => process.stdout.write(`[test] ${message}\n`);
const jest = require.resolve('jest/bin/jest');

/** @param {string} config @param {NodeJS.ProcessEnv} env */
function runJest(config, env) {
  const { status } = spawnSync(process.execPath, [jest, '--config', config, ...jestArgs], {
    cwd: ROOT,
    env,
    stdio: 'inherit',
  });
  return status ?? 1;
}

async function main() {
  if (fs.existsSync(path.join(ROOT, '.env'))) process.loadEnvFile(path.join(ROOT, '.env'));
  if (suite === 'all') {
    const status = runJest('jest.unit.config.js', process.env);
    if (status !== 0) process.exit(status);
  }
  // The e2e setup creates (and drops) its own databases on this server, migrating them as the
  // owner (DIRECT_DATABASE_URL, else DATABASE_URL) and running the apps as the app role.
  const postgres = await ensurePostgres(log, process.env.DIRECT_DATABASE_URL);
  let redis;
  let status = 1;
  try {
    redis = await ensureRedis(log);
    status = runJest('jest.e2e.config.js', {
      ...process.env,
      ITINERA_TEST_ADMIN_URL: postgres.url,
      REDIS_URL: redis.url,
    });
  } finally {
    await redis?.stop();
    await postgres.stop();
  }
  process.exit(status);
}

main().catch((error) => {
  process.stderr.write(`[test] ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
