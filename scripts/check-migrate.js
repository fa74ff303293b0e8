// @ts-check
/**
 * `npm run db:check-migrate` (run by .ci/run): proves the offline Prisma migrate path still works on
 * this machine (see ENVIRONMENT.md and scripts/patch-prisma.js): on a scratch database it applies the
 * migrations, creates a draft migration with `migrate dev --create-only` (the step every hand-written
 * SQL migration starts from), applies it with `migrate dev`, and checks no shadow database is left.
 */
const fs = require('node:fs');
const path = require('node:path');
const { adminQuery, ensurePostgres, ensureDatabase, prismaCli, withDatabase, ROOT } = require('./lib/local-services');

const log = (/** @type {string} */ message) => process.stdout.write(`[check-migrate] ${message}\n`);

async function main() {
  const postgres = await ensurePostgres(log, process.env.DIRECT_DATABASE_URL);
  const database = `itinera_migrate_check_${Date.now().toString(36)}`;
  const url = withDatabase(postgres.url, database);
  const migrations = path.join(ROOT, 'prisma', 'migrations');
  const before = new Set(fs.readdirSync(migrations));
  /** @type {string[]} */
  let created = [];
  try {
    await ensureDatabase(postgres.url, database);
    prismaCli(url, ['migrate', 'deploy']);
    log('migrate deploy: ok');
    prismaCli(url, ['migrate', 'dev', '--create-only', '--name', 'migrate_check']);
    created = fs.readdirSync(migrations).filter((name) => !before.has(name));
    if (created.length !== 1 || !created[0].endsWith('_migrate_check'))
      throw new Error(`expected one new draft migration, found: ${created.join(', ') || 'none'}`);
    log(`migrate dev --create-only: ok (${created[0]})`);
    prismaCli(url, ['migrate', 'dev', '--skip-generate']);
    log('migrate dev (applying the draft): ok');
    const { rows } = await adminQuery(
      postgres.url,
      "SELECT datname FROM pg_database WHERE datname LIKE 'prisma_migrate_shadow_db_%'",
    );
    if (rows.length) throw new Error(`shadow databases left behind: ${rows.map((r) => r.datname).join(', ')}`);
    log('no shadow database left behind: ok');
  } finally {
    for (const name of created) fs.rmSync(path.join(migrations, name), { recursive: true, force: true });
    await adminQuery(postgres.url, `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`).catch(() => undefined);
    await postgres.stop();
  }
}

main().catch((error) => {
  process.stderr.write(`[check-migrate] FAILED: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
