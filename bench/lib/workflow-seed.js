// @ts-check
/**
 * Set-based seeding of workflow sessions and recipients for the workflow benchmarks
 * (recipient-link, workflow-list, expiry): generate_series statements run as the owner, with
 * `app.tenant_id` set per tenant as the app's row-level security would require of a non-superuser,
 * never through the API. Everything is deterministic from counters:
 *   - session n of a seed has the id md5('<label>:session:' || n)::uuid, so recipients join it
 *     without a round trip;
 *   - recipient link number k (a counter across the whole seed) has the token linkToken(label, k):
 *     32 characters of lower-case Base32 (LINK_TOKEN_PATTERN), md5 hex with 0, 1, 8, 9 mapped to
 *     w, x, y, z; the database stores sha256(token) as token_hash (token_ciphertext NULL), exactly
 *     what the app computes from a link.
 * Progress counters are written consistent with the recipients inserted; the database's progress
 * trigger runs on the inserts anyway (and finds nothing to change).
 */
const { createHash } = require('node:crypto');
const { Client } = require('pg');

/** The token of link number `k` (1-based) of the seed `label`, as the SQL below derives it. @param {string} label @param {number} k */
function linkToken(label, k) {
  return createHash('md5')
    .update(`${label}:link:${k}`)
    .digest('hex')
    .replace(/[0189]/g, (c) => /** @type {Record<string, string>} */ ({ 0: 'w', 1: 'x', 8: 'y', 9: 'z' })[c]);
}

/** The same in SQL, for a text expression `label` and a bigint expression `k`. @param {string} label @param {string} k */
const tokenSql = (label, k) => `translate(md5(${label} || ':link:' || (${k})::text), '0189', 'wxyz')`;
/** sha256 of the token's UTF-8 bytes, as the app hashes a link. @param {string} label @param {string} k */
const tokenHashSql = (label, k) => `sha256(convert_to(${tokenSql(label, k)}, 'UTF8'))`;

const TYPES = ['PRESCRIBER', 'PATIENT', 'PHARMACY', 'INSURANCE'];

/** @param {string} url @param {(client: Client) => Promise<T>} work @template T */
async function withOwner(url, work) {
  const client = new Client({ connectionString: url, application_name: 'itinera-bench-seed' });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * `count` tenants named after `label`; returns their ids in order.
 * @param {Client} client @param {string} label @param {number} count
 */
async function createTenants(client, label, count) {
  const stamp = Date.now().toString(36);
  /** @type {string[]} */
  const ids = [];
  for (let t = 1; t <= count; t++) {
    const { rows } = await client.query(
      `INSERT INTO tenants (name, domain, plan) VALUES ($1, $2, 'PRO') RETURNING id`,
      [`Bench ${label} ${t}`, `bench-${label}-${stamp}-${t}`],
    );
    ids.push(rows[0].id);
  }
  return ids;
}

/**
 * @typedef {object} SessionSpec  one tenant's share of a seed: sessions first..last (inclusive)
 * @property {string} tenantId
 * @property {string} label     distinguishes the session ids of one seed from another's
 * @property {number} first     first session number (1-based, unique within the label)
 * @property {number} last
 * @property {number} recipientsPerSession  each with a link number (first link of session n:
 *   (n - 1) * recipientsPerSession + 1)
 * @property {string} creatorId
 * @property {'link' | 'list' | 'expiry'} shape  what the rows look like (see seedSessions)
 */

/** SQL: the uuid of session `n` (a bigint expression) of `label` (a bound parameter). */
const sessionIdSql = (/** @type {string} */ label, /** @type {string} */ n) =>
  `md5(${label} || ':session:' || (${n})::text)::uuid`;

/** The id of session `n` of `label`, as the SQL derives it. @param {string} label @param {number} n */
function sessionId(label, n) {
  const hex = createHash('md5').update(`${label}:session:${n}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Inserts one tenant's sessions and their recipients in one transaction, set-based. Shapes:
 *   - link: ACTIVE, unexpired (expires in 30 days), every recipient ACCESSED (accessed_at set), no
 *     verification required: a view of any of them reads and never writes;
 *   - list: a year of history, newest first by number (session n created n * 30 s ago); by n mod 20:
 *     14 COMPLETED, 3 ACTIVE, 2 CANCELLED, 1 EXPIRED; recipients consistent with their session;
 *   - expiry: ACTIVE and overdue (expired 1 to 600 minutes ago), the first recipient COMPLETED, the
 *     second ACCESSED, the rest PENDING, each unfinished one with a token ciphertext to erase.
 * @param {Client} client @param {SessionSpec} spec
 * @returns {Promise<{ sessions: number, recipients: number }>}
 */
async function seedSessions(client, spec) {
  const per = spec.recipientsPerSession;
  const n = 'g';
  let sessionColumns;
  let recipientColumns;
  if (spec.shape === 'link') {
    sessionColumns = {
      status: `'ACTIVE'::"WorkflowStatus"`,
      current: '0',
      completed: '0',
      created: `now() - (${n} % 86400) * interval '1 second'`,
      expires: `now() + interval '30 days'`,
      finished: 'NULL',
    };
    recipientColumns = {
      status: `'ACCESSED'::"RecipientStatus"`,
      accessed: `now() - interval '1 hour'`,
      completed: 'NULL',
      ciphertext: 'NULL',
      formData: `'{}'::jsonb`,
    };
  } else if (spec.shape === 'list') {
    // status by n mod 20: 0..13 COMPLETED, 14..16 ACTIVE, 17..18 CANCELLED, 19 EXPIRED
    const status = `(CASE WHEN ${n} % 20 < 14 THEN 'COMPLETED' WHEN ${n} % 20 < 17 THEN 'ACTIVE'
                          WHEN ${n} % 20 < 19 THEN 'CANCELLED' ELSE 'EXPIRED' END)`;
    const created = `now() - ${n} * interval '30 seconds'`;
    sessionColumns = {
      status: `${status}::"WorkflowStatus"`,
      current: `(CASE WHEN ${n} % 20 < 14 THEN ${per} ELSE 0 END)`,
      completed: `(CASE WHEN ${n} % 20 < 14 THEN ${per} ELSE 0 END)`,
      created,
      expires: `(CASE WHEN ${n} % 20 BETWEEN 14 AND 16 THEN now() + interval '2 days' ELSE ${created} + interval '2 days' END)`,
      finished: `(CASE WHEN ${n} % 20 BETWEEN 14 AND 16 THEN NULL ELSE ${created} + interval '1 day' END)`,
    };
    recipientColumns = {
      status: `(CASE WHEN ${n} % 20 < 14 THEN 'COMPLETED' WHEN ${n} % 20 = 19 THEN 'EXPIRED' ELSE 'PENDING' END)::"RecipientStatus"`,
      accessed: `(CASE WHEN ${n} % 20 < 14 THEN ${created} + interval '1 hour' END)`,
      completed: `(CASE WHEN ${n} % 20 < 14 THEN ${created} + interval '1 day' END)`,
      ciphertext: 'NULL',
      formData: `(CASE WHEN ${n} % 20 < 14 THEN jsonb_build_object('fullName', 'Bench ' || ${n}) ELSE '{}'::jsonb END)`,
    };
  } else {
    sessionColumns = {
      status: `'ACTIVE'::"WorkflowStatus"`,
      current: '1',
      completed: '1',
      created: `now() - interval '3 days'`,
      expires: `now() - (1 + ${n} % 600) * interval '1 minute'`,
      finished: 'NULL',
    };
    recipientColumns = {
      status: `(CASE o WHEN 0 THEN 'COMPLETED' WHEN 1 THEN 'ACCESSED' ELSE 'PENDING' END)::"RecipientStatus"`,
      accessed: `(CASE WHEN o <= 1 THEN now() - interval '2 days' END)`,
      completed: `(CASE WHEN o = 0 THEN now() - interval '2 days' END)`,
      ciphertext: `(CASE WHEN o > 0 THEN 'bench-ciphertext' END)`,
      formData: `(CASE WHEN o = 0 THEN jsonb_build_object('fullName', 'Bench ' || ${n}) ELSE '{}'::jsonb END)`,
    };
  }
  await client.query('BEGIN');
  try {
    await client.query(`SELECT set_config('app.tenant_id', $1, true)`, [spec.tenantId]);
    const sessions = await client.query(
      `INSERT INTO workflow_sessions (id, tenant_id, document_url, status, creator_id, creator_type, metadata,
                                      current_recipient_order, total_recipients, completed_recipients,
                                      expires_at, finished_at, cancel_reason, created_at, updated_at)
       SELECT ${sessionIdSql('$1', n)}, $2::uuid, 'https://docs.example.com/bench/' || ${n} || '.pdf',
              ${sessionColumns.status}, $3::uuid, 'USER',
              jsonb_build_object('ref', 'B-' || ${n}, 'site', (ARRAY['north', 'south', 'east', 'west'])[1 + ${n} % 4]),
              ${sessionColumns.current}, ${per}, ${sessionColumns.completed},
              ${sessionColumns.expires}, ${sessionColumns.finished},
              CASE WHEN ${sessionColumns.status} = 'CANCELLED' THEN 'bench' END,
              ${sessionColumns.created}, ${sessionColumns.created}
       FROM generate_series($4::bigint, $5::bigint) AS ${n}`,
      [spec.label, spec.tenantId, spec.creatorId, spec.first, spec.last],
    );
    const recipients = await client.query(
      `INSERT INTO recipients (tenant_id, session_id, order_index, token_hash, token_ciphertext, status,
                               recipient_type, name, email, form_data, requires_verification,
                               accessed_at, completed_at, created_at, updated_at)
       SELECT $2::uuid, ${sessionIdSql('$1', n)}, o, ${tokenHashSql('$1', `(${n} - 1) * ${per} + o + 1`)},
              ${recipientColumns.ciphertext}, ${recipientColumns.status},
              ($3::text[])[1 + o % 4]::"RecipientType", 'Bench recipient ' || o,
              'r' || ((${n} - 1) * ${per} + o + 1) || '@example.com', ${recipientColumns.formData}, false,
              ${recipientColumns.accessed}, ${recipientColumns.completed},
              ${sessionColumns.created}, ${sessionColumns.created}
       FROM generate_series($4::bigint, $5::bigint) AS ${n} CROSS JOIN generate_series(0, ${per - 1}) AS o`,
      [spec.label, spec.tenantId, TYPES, spec.first, spec.last],
    );
    await client.query('COMMIT');
    return { sessions: sessions.rowCount ?? 0, recipients: recipients.rowCount ?? 0 };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** @param {Client} client */
async function vacuumAnalyze(client) {
  for (const table of ['tenants', 'workflow_sessions', 'recipients']) await client.query(`VACUUM ANALYZE ${table}`);
}

module.exports = { linkToken, sessionId, withOwner, createTenants, seedSessions, vacuumAnalyze };
