// @ts-check
/**
 * Part of `npm run db:deploy`, after the migrations: lets DATABASE_URL's login connect as the app
 * role (see lib/app-role.js). Needs DIRECT_DATABASE_URL, the owner's connection.
 */
const fs = require('node:fs');
const { provisionAppRole } = require('./lib/app-role');

if (fs.existsSync('.env')) process.loadEnvFile('.env');
const { DATABASE_URL, DIRECT_DATABASE_URL } = process.env;
if (!DATABASE_URL || !DIRECT_DATABASE_URL) {
  process.stderr.write(
    'Set DATABASE_URL (the app role) and DIRECT_DATABASE_URL (the owner) to provision the app role.\n',
  );
  process.exit(1);
}
provisionAppRole(DIRECT_DATABASE_URL, DATABASE_URL).then(
  () => process.stdout.write('app role ready\n'),
  (error) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
