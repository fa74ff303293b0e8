// @ts-check
/** Builds with `nest build` when a source is newer than the last build (npm start, npm run openapi, npm run bench). */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..', '..');
const BUILD_STAMP = path.join(ROOT, 'dist', '.build-stamp');
const BUILD_INPUTS = [
  'apps',
  'libs',
  'prisma/schema',
  'tsconfig.json',
  'tsconfig.build.json',
  'nest-cli.json',
  'package-lock.json',
];

/** @param {string} p @returns {number} */
function newestMtime(p) {
  const full = path.join(ROOT, p);
  if (!fs.existsSync(full)) return 0;
  const stat = fs.statSync(full);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return fs.readdirSync(full).reduce((max, entry) => Math.max(max, newestMtime(path.join(p, entry))), stat.mtimeMs);
}

/** @param {(message: string) => void} log */
function buildIfNeeded(log) {
  const built = fs.existsSync(BUILD_STAMP) ? fs.statSync(BUILD_STAMP).mtimeMs : 0;
  if (BUILD_INPUTS.every((p) => newestMtime(p) <= built)) return;
  log('building (sources changed since the last build)');
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
  fs.writeFileSync(BUILD_STAMP, new Date().toISOString());
}

module.exports = { buildIfNeeded };
