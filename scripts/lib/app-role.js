// @ts-check
/**
 * The app's database role. Migrations create `itinera_app` (NOLOGIN, no table ownership, no
 * BYPASSRLS) and grant it what the app needs; this gives the login named in DATABASE_URL those
 * rights: the role itself gets LOGIN and the URL's password, any other name is created (or kept)
 * as a login and made a member of itinera_app. It refuses a DATABASE_URL that would connect as a
 * superuser or a BYPASSRLS role, since row-level security would then protect nothing.
 */
const { Client } = require('pg');

const APP_ROLE = 'itinera_app';
/** Password of the app role on local servers started or found by npm start / npm test only. */
const LOCAL_APP_PASSWORD = 'itinera_app';

/** `ownerUrl` with the app role's credentials: the DATABASE_URL local tooling hands the apps. @param {string} ownerUrl */
function appRoleUrl(ownerUrl) {
  const u = new URL(ownerUrl);
  u.username = APP_ROLE;
  u.password = LOCAL_APP_PASSWORD;
  return u.toString();
}

/**
 * The owner's and the app's connections for npm start / npm test: DIRECT_DATABASE_URL and
 * DATABASE_URL when both are set; otherwise `serverUrl` (DATABASE_URL or the embedded server) is
 * taken as the owner and the app gets the local app-role URL on the same database.
 * @param {string} serverUrl
 */
function resolveDatabaseUrls(serverUrl) {
  const { DATABASE_URL, DIRECT_DATABASE_URL } = process.env;
  if (DIRECT_DATABASE_URL && DATABASE_URL) return { direct: DIRECT_DATABASE_URL, app: DATABASE_URL };
  const direct = DIRECT_DATABASE_URL || serverUrl;
  return { direct, app: appRoleUrl(direct) };
}

/** @param {string} ownerUrl  an owner or admin connection (DIRECT_DATABASE_URL) @param {string} appUrl  DATABASE_URL */
async function provisionAppRole(ownerUrl, appUrl) {
  const app = new URL(appUrl);
  const login = decodeURIComponent(app.username);
  const password = decodeURIComponent(app.password);
  if (!login) throw new Error('DATABASE_URL names no user; it must name the app role (e.g. itinera_app).');
  const owner = new URL(ownerUrl);
  if (decodeURIComponent(owner.username) === login) {
    throw new Error(
      `DATABASE_URL connects as ${login}, the same role as DIRECT_DATABASE_URL: the app must use its own role (itinera_app), which row-level security applies to.`,
    );
  }
  const client = new Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    const ident = (/** @type {string} */ name) => client.escapeIdentifier(name);
    const secret = password ? ` PASSWORD ${client.escapeLiteral(password)}` : '';
    const { rows } = await client.query('SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = $1', [login]);
    if (rows[0] && (rows[0].rolsuper || rows[0].rolbypassrls)) {
      throw new Error(`DATABASE_URL's role ${login} is a superuser or bypasses RLS; give the app a role of its own.`);
    }
    if (login === APP_ROLE) {
      await client.query(`ALTER ROLE ${ident(APP_ROLE)} LOGIN${secret}`);
    } else {
      if (!rows[0]) await client.query(`CREATE ROLE ${ident(login)} LOGIN${secret}`);
      else await client.query(`ALTER ROLE ${ident(login)} LOGIN${secret}`);
      await client.query(`GRANT ${ident(APP_ROLE)} TO ${ident(login)}`);
    }
  } finally {
    await client.end();
  }
}

module.exports = { APP_ROLE, LOCAL_APP_PASSWORD, appRoleUrl, provisionAppRole, resolveDatabaseUrls };
