// @ts-check
/**
 * Small fixes to Prisma 6.19 so that migrations work with the WASM schema engine on machines that
 * cannot download the native one (ENVIRONMENT.md, "Prisma without a native engine"). Run by
 * `postinstall`; idempotent; when a Prisma upgrade changed the code a patch expects it warns
 * without failing the install, so the upgrade can drop the patch. `npm run db:check-migrate`
 * (part of `.ci/run`) proves they still hold.
 */
const fs = require('node:fs');
const { join } = require('node:path');

/** @type {{ file: string, why: string, original: string, patched: string }[]} */
const patches = [
  ...['index.js', 'index.mjs'].map((file) => ({
    file: `@prisma/adapter-pg/dist/${file}`,
    // prisma/prisma#27403: pg_catalog's `name` (OID 19) and `"char"` (OID 18) columns have no
    // column type, so introspection fails ("Column type 'name' could not be deserialized"); the
    // schema engine reads `char` (pg_constraint.contype) as a character and panics on text.
    why: 'read pg_catalog name columns as text and "char" columns as characters',
    original: '    case ScalarColumnType.OID:\n',
    patched:
      '    case 19:\n      return ColumnTypeEnum.Text;\n    case 18:\n      return ColumnTypeEnum.Character;\n    case ScalarColumnType.OID:\n',
  })),
  ...['index.js', 'index.mjs'].map((file) => ({
    file: `@prisma/adapter-pg/dist/${file}`,
    // The adapter runs a migration script by splitting it on every `;`, which breaks PL/pgSQL
    // bodies, dollar quotes and comments. PostgreSQL's simple query protocol takes the whole script
    // at once, as the native engine sends it (one implicit transaction, all or nothing).
    why: 'send migration scripts whole instead of split on semicolons',
    original:
      '    const statements = script.split(";").map((stmt) => stmt.trim()).filter((stmt) => stmt.length > 0);\n    for (const stmt of statements) {\n',
    patched: '    const statements = [script];\n    for (const stmt of statements) {\n',
  })),
  {
    file: 'prisma/build/index.js',
    // `migrate dev --create-only` stops the engine after writing the migration and again in a
    // `finally`; the second stop frees a freed WASM object: "Error: null pointer passed to rust".
    why: 'stop the WASM schema engine at most once',
    original: 'stop(){return this.isRunning=!1,this.engine.free(),Promise.resolve()}',
    patched: 'stop(){return this.isRunning=!1,this.engine.__wbg_ptr&&this.engine.free(),Promise.resolve()}',
  },
  {
    file: 'prisma/build/index.js',
    // After `migrate dev` applies pending migrations, the same WASM engine can no longer reach the
    // shadow database ("PostgreSQL shadow DB must be provided through an external factory"); a
    // fresh engine, after its own diagnostic, can. So restart it when something was applied.
    why: 'restart the WASM schema engine after migrate dev applied pending migrations',
    original: 'let x;try{x=await f.evaluateDataLoss()',
    patched:
      'let x;try{v.length>0&&(await f.stop(),f=await wn.setup({schemaEngineConfig:n,migrationsDirPath:o,schemaContext:a,schemaFilter:p,shadowDbInitScript:n.migrations?.initShadowDb,extensions:n.extensions}),await f.devDiagnostic()),x=await f.evaluateDataLoss()',
  },
];

/** @type {Map<string, string>} */
const sources = new Map();
for (const { file, why, original, patched } of patches) {
  const path = join(__dirname, '..', 'node_modules', file);
  const source = sources.get(path) ?? fs.readFileSync(path, 'utf8');
  if (source.includes(patched)) continue;
  if (!source.includes(original)) {
    console.warn(`patch-prisma: cannot ${why}: the expected code is not in ${file} (a new Prisma version?).`);
    continue;
  }
  sources.set(path, source.replace(original, patched));
  console.log(`patch-prisma: ${file}: ${why}.`);
}
for (const [path, source] of sources) fs.writeFileSync(path, source);
