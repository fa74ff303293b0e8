// @ts-check
/**
 * `npm run audit:verify [-- --tenant <uuid>]`: verifies the audit log's hash chains in the database
 * and prints one line per chain. Each entry's hash must be SHA-256(previous hash || its content),
 * seqs must follow without gaps, and each chain's head (audit_chain_heads) must match its last
 * entry; the database function audit_log_verify() checks one chain and names its first bad entry.
 *
 * Chains: the platform chain (tenant_id null), every tenant of the registry (with or without
 * entries) and, where the connection may see them, chains of tenants no longer in the registry.
 * Connects with DIRECT_DATABASE_URL (the owner), else DATABASE_URL; reads .env like the apps do
 * (the environment wins).
 *
 * Exit code: 0 when every chain checked is intact, 1 when a chain does not verify (the line names
 * the tenant, the entry id, its seq and the problem), 2 when it cannot run (bad arguments, no database).
 */
const fs = require('node:fs');
const path = require('node:path');
const { Client } = require('pg');

const ROOT = path.join(__dirname, '..');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** The key of the platform chain in audit_chain_heads. */
const PLATFORM_CHAIN_KEY = '00000000-0000-0000-0000-000000000000';

const USAGE = 'usage: npm run audit:verify [-- --tenant <uuid>]';

class UsageError extends Error {}

/** @param {string[]} args @returns {{ tenant?: string, help: boolean }} */
function parseArgs(args) {
  /** @type {{ tenant?: string, help: boolean }} */
  const options = { help: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--help' || arg === '-h') options.help = true;
    else if (arg === '--tenant' || arg.startsWith('--tenant=')) {
      const value = arg === '--tenant' ? args[++i] : arg.slice('--tenant='.length);
      if (!value || !UUID.test(value))
        throw new UsageError(`--tenant needs a tenant id (a UUID), got ${value ?? 'nothing'}`);
      options.tenant = value.toLowerCase();
    } else throw new UsageError(`unknown argument ${arg}`);
  }
  return options;
}

/** The server and database, without credentials, for the header line. @param {string} url */
function describeUrl(url) {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || 5432}${u.pathname}`;
  } catch {
    return 'the configured database';
  }
}

/**
 * @typedef {object} Chain
 * @property {string | null} tenantId  null for the platform chain
 * @property {string | null} name      the tenant's name and domain, when it is in the registry
 * @property {string | null} entries   the head's last seq, when readable
 */

/**
 * Every chain to check, the platform's first, then tenants by id.
 * @param {Client} client @param {string | undefined} onlyTenant
 * @returns {Promise<{ chains: Chain[], notes: string[] }>}
 */
async function listChains(client, onlyTenant) {
  /** @type {string[]} */
  const notes = [];
  const { rows: access } = await client.query(
    `SELECT has_table_privilege('audit_chain_heads', 'SELECT') AS heads,
            (SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user) AS all_rows`,
  );
  const { heads, all_rows: allRows } = access[0];

  /** @type {Map<string, string>} tenant id -> "name (domain)" */
  const names = new Map();
  const { rows: tenants } = await client.query(
    onlyTenant
      ? 'SELECT id, name, domain FROM tenants WHERE id = $1::uuid'
      : 'SELECT id, name, domain FROM tenants ORDER BY id',
    onlyTenant ? [onlyTenant] : [],
  );
  for (const t of tenants) names.set(t.id, `${t.name} (${t.domain})`);

  /** @type {Map<string, string>} chain key -> last seq */
  const lastSeq = new Map();
  if (heads) {
    const { rows } = await client.query('SELECT chain_key, last_seq::text AS last_seq FROM audit_chain_heads');
    for (const r of rows) lastSeq.set(r.chain_key, r.last_seq);
  } else {
    notes.push(
      'this connection cannot read audit_chain_heads: chains of tenants no longer in the registry are not listed',
    );
  }

  /** @type {Set<string>} */
  const tenantIds = new Set(onlyTenant ? [onlyTenant] : names.keys());
  if (!onlyTenant) {
    for (const key of lastSeq.keys()) if (key !== PLATFORM_CHAIN_KEY) tenantIds.add(key);
    if (allRows) {
      // Tenants that have entries, by a skip scan over the (tenant_id, seq) index: catches a chain
      // whose head row was removed as well.
      const { rows } = await client.query(`
        WITH RECURSIVE t AS (
          (SELECT tenant_id FROM audit_log WHERE tenant_id IS NOT NULL ORDER BY tenant_id LIMIT 1)
          UNION ALL
          SELECT (SELECT e.tenant_id FROM audit_log e WHERE e.tenant_id > t.tenant_id ORDER BY e.tenant_id LIMIT 1)
          FROM t WHERE t.tenant_id IS NOT NULL
        )
        SELECT tenant_id FROM t WHERE tenant_id IS NOT NULL`);
      for (const r of rows) tenantIds.add(r.tenant_id);
    }
  }

  /** @type {Chain[]} */
  const chains = [];
  if (!onlyTenant)
    chains.push({ tenantId: null, name: null, entries: heads ? (lastSeq.get(PLATFORM_CHAIN_KEY) ?? '0') : null });
  for (const id of [...tenantIds].sort()) {
    chains.push({ tenantId: id, name: names.get(id) ?? null, entries: heads ? (lastSeq.get(id) ?? '0') : null });
  }
  return { chains, notes };
}

/** @param {Chain} chain */
function label(chain) {
  if (chain.tenantId === null) return 'platform chain';
  return `tenant ${chain.tenantId} ${chain.name ?? '(not in the tenants registry)'}`;
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const envFile = path.join(ROOT, '.env');
  if (fs.existsSync(envFile)) process.loadEnvFile(envFile);
  const url = process.env.DIRECT_DATABASE_URL || process.env.DATABASE_URL;
  if (!url)
    throw new UsageError('set DIRECT_DATABASE_URL (or DATABASE_URL) to the database to verify (see .env.example)');

  // No statement timeout: a chain is verified in one statement that reads all of it.
  const client = new Client({ connectionString: url, application_name: 'itinera-audit-verify', statement_timeout: 0 });
  await client.connect();
  try {
    const { chains, notes } = await listChains(client, options.tenant);
    process.stdout.write(
      `Verifying ${chains.length} audit chain${chains.length === 1 ? '' : 's'} in ${describeUrl(url)}\n`,
    );
    const width = Math.max(...chains.map((c) => label(c).length));
    let broken = 0;
    for (const chain of chains) {
      const { rows } = await client.query('SELECT id, seq::text AS seq, problem FROM audit_log_verify($1::uuid)', [
        chain.tenantId,
      ]);
      const mismatch = rows[0];
      const entries = chain.entries === null ? '' : ` (${chain.entries} entr${chain.entries === '1' ? 'y' : 'ies'})`;
      if (!mismatch) {
        process.stdout.write(`${label(chain).padEnd(width)}  intact${entries}\n`);
        continue;
      }
      broken++;
      const entry = mismatch.id ? `entry ${mismatch.id}` : 'the chain head';
      process.stdout.write(
        `${label(chain).padEnd(width)}  MISMATCH at seq ${mismatch.seq}, ${entry}: ${mismatch.problem}${entries}\n`,
      );
    }
    for (const note of notes) process.stdout.write(`note: ${note}\n`);
    process.stdout.write(
      broken
        ? `${broken} of ${chains.length} chains do not verify.\n`
        : chains.length === 1
          ? 'The chain is intact.\n'
          : `All ${chains.length} chains are intact.\n`,
    );
    return broken ? 1 : 0;
  } finally {
    await client.end();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`audit:verify: ${error instanceof Error ? error.message : String(error)}\n`);
    if (error instanceof UsageError) process.stderr.write(`${USAGE}\n`);
    process.exit(2);
  },
);
