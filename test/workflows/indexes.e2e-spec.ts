import { createHash, randomUUID } from 'node:crypto';
import type { Client } from 'pg';
import { asOwner } from '../support/identity-fixtures';

/**
 * The seed's indexes each back a statement the app sends, shown with PostgreSQL's own plans: every
 * statement runs as the app role (itinera_app, under row-level security) with the tenant set, and
 * auto_explain logs the plans of the statements inside functions too (the link lookup is a
 * SECURITY DEFINER function). Enough rows that a sequential scan would cost more than the index.
 * The workflow list's indexes (status + created, metadata and form-data GIN) are shown in
 * sessions-lifecycle.e2e-spec.ts, with the list's own statements.
 */
const SESSIONS = 20_000;
const tokenHash = (n: number, k: number) => createHash('sha256').update(`${n}:${k}`).digest();

describe('the indexes of workflows and recipients back the statements that use them', () => {
  const tenantId = randomUUID();

  beforeAll(async () => {
    await asOwner(async (c) => {
      await c.query('BEGIN');
      await c.query(`INSERT INTO tenants (id, name, domain) VALUES ($1, 'Index plans', $2)`, [
        tenantId,
        `index-plans-${tenantId.slice(0, 8)}`,
      ]);
      await c.query("SELECT set_config('app.tenant_id', $1, true)", [tenantId]);
      await c.query(
        `INSERT INTO workflow_sessions (id, tenant_id, document_url, creator_id, creator_type, total_recipients, expires_at)
         SELECT md5($1::text || g)::uuid, $1::uuid, 'https://docs.example.test/' || g, gen_random_uuid(), 'USER', 4,
                now() + interval '1 day'
           FROM generate_series(1, $2::int) g`,
        [tenantId, SESSIONS],
      );
      await c.query(
        `INSERT INTO recipients (tenant_id, session_id, order_index, token_hash, recipient_type, email)
         SELECT $1::uuid, md5($1::text || g)::uuid, k, sha256(convert_to(g || ':' || k, 'UTF8')), 'PHARMACY', 'x@example.test'
           FROM generate_series(1, $2::int) g, generate_series(0, 3) k`,
        [tenantId, SESSIONS],
      );
      await c.query(
        `INSERT INTO attachments (tenant_id, session_id, file_name, file_type, file_size, s3_key, s3_bucket, checksum)
         SELECT $1::uuid, md5($1::text || (g % $2::int + 1))::uuid, 'f.txt', 'text/plain', 1, 'k' || g, 'b', sha256('x')
           FROM generate_series(1, $2::int * 2) g`,
        [tenantId, SESSIONS],
      );
      await c.query('COMMIT');
      await c.query('ANALYZE workflow_sessions, recipients, attachments');
    });
  }, 120_000);

  /** The plans (auto_explain, JSON, nested statements included) of `sql` run as the app role in the tenant. */
  const plansOf = (sql: string, values: unknown[]): Promise<string> =>
    asOwner(async (c: Client) => {
      const notices: string[] = [];
      c.on('notice', (notice) => notices.push(notice.message ?? ''));
      await c.query('BEGIN');
      try {
        await c.query("SELECT set_config('app.tenant_id', $1, true)", [tenantId]);
        await c.query("LOAD 'auto_explain'");
        await c.query('SET LOCAL auto_explain.log_min_duration = 0');
        await c.query('SET LOCAL auto_explain.log_nested_statements = on');
        await c.query("SET LOCAL auto_explain.log_format = 'json'");
        await c.query('SET LOCAL client_min_messages = log');
        await c.query('SET LOCAL ROLE itinera_app');
        await c.query(sql, values);
      } finally {
        await c.query('ROLLBACK');
      }
      return notices.join('\n');
    });
  const sessionOf = (n: number) =>
    asOwner(
      async (c) =>
        (await c.query<{ id: string }>('SELECT md5($1::text || $2::int)::uuid AS id', [tenantId, n])).rows[0].id,
    );

  it('finds a link by its token hash on idx_recipient_unique_url (the link lookup, inside its function)', async () => {
    const plans = await plansOf('SELECT * FROM recipient_link_lookup($1, NULL)', [tokenHash(1234, 2)]);
    expect(plans).toContain('idx_recipient_unique_url');
    expect(plans).not.toContain('"Seq Scan"');
  });

  it("pages a session's attachments, newest first, on idx_attachment_session_uploaded", async () => {
    const plans = await plansOf(
      `SELECT id, file_name, scan_status, uploaded_at FROM attachments
        WHERE session_id = $1::uuid ORDER BY uploaded_at DESC, id DESC LIMIT 21`,
      [await sessionOf(77)],
    );
    expect(plans).toContain('idx_attachment_session_uploaded');
  });

  it("reads a session's recipients by status on idx_recipient_status_session (the expiry job's update)", async () => {
    const plans = await plansOf(
      `UPDATE recipients
          SET status = CASE WHEN status IN ('PENDING', 'ACCESSED', 'IN_PROGRESS') THEN 'EXPIRED'::"RecipientStatus" ELSE status END,
              token_ciphertext = NULL
        WHERE session_id = ANY ($1::uuid[])
          AND (status IN ('PENDING', 'ACCESSED', 'IN_PROGRESS') OR token_ciphertext IS NOT NULL)`,
      [[await sessionOf(5), await sessionOf(6)]],
    );
    expect(plans).toContain('idx_recipient_status_session');
    const counted = await plansOf(
      `SELECT count(*) FROM recipients WHERE session_id = $1::uuid AND status = 'COMPLETED'`,
      [await sessionOf(9)],
    );
    expect(counted).toContain('idx_recipient_status_session');
  });
});
