// @ts-check
/** `npm run openapi`: builds if needed and writes openapi.json from the built API (Swagger CLI plugin applied). */
const { execFileSync } = require('node:child_process');
const path = require('node:path');
const { buildIfNeeded } = require('./lib/build');

const root = path.join(__dirname, '..');
buildIfNeeded((message) => process.stdout.write(`[openapi] ${message}\n`));
execFileSync(
  process.execPath,
  [path.join(root, 'dist', 'apps', 'api', 'src', 'write-openapi.js'), ...process.argv.slice(2)],
  {
    cwd: root,
    stdio: 'inherit',
  },
);
