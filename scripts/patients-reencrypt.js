// @ts-check
/**
 * `npm run patients:reencrypt [-- --batch-size <n>]`: after a new key is appended to
 * ENCRYPTION_KEYS, moves every patient's personal information, entry and entry version still under
 * an older key to the newest one, tenant by tenant in bounded batches, and prints the counts.
 * Idempotent: a second run moves nothing. Builds first if the sources changed, then runs the
 * built entry (apps/worker/src/patients-reencrypt.ts), which reads .env like the apps do.
 */
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { buildIfNeeded } = require('./lib/build');

const root = path.join(__dirname, '..');
buildIfNeeded((message) => process.stderr.write(`[patients:reencrypt] ${message}\n`));
const result = spawnSync(
  process.execPath,
  [path.join(root, 'dist', 'apps', 'worker', 'src', 'patients-reencrypt.js'), ...process.argv.slice(2)],
  { cwd: root, stdio: 'inherit' },
);
process.exit(result.status ?? 1);
