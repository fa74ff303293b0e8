import { spawn } from 'node:child_process';
import path from 'node:path';
import { withClient } from '../support/test-databases';

/** One audit entry to insert; the chain trigger sets seq and hash. */
export interface TestAuditEntry {
  actor_type?: 'USER' | 'API_KEY' | 'RECIPIENT_LINK' | 'SYSTEM' | 'ANONYMOUS';
  actor_id?: string | null;
  action?: string;
  resource_type?: string | null;
  resource_id?: string | null;
  before?: unknown;
  after?: unknown;
  metadata?: unknown;
  ip?: string | null;
  user_agent?: string | null;
  request_id?: string | null;
  /** Defaults to the transaction's start time (the column default). */
  occurred_at?: string;
}

/**
 * Inserts `entries` into `tenantId`'s chain (null: the platform chain) in array order, as the app
 * does: the app role, the tenant set for the transaction, row-level security applying. Returns the
 * new rows' ids in order.
 */
export async function insertEntries(tenantId: string | null, entries: TestAuditEntry[]): Promise<string[]> {
  return withClient(process.env.DATABASE_URL!, async (client) => {
    await client.query('BEGIN');
    try {
      // The platform chain is readable (so RETURNING works) only in platform scope.
      await client.query("SELECT set_config('app.tenant_id', $1, true), set_config('app.scope', $2, true)", [
        tenantId ?? '',
        tenantId ? '' : 'platform',
      ]);
      const { rows } = await client.query<{ id: string }>(
        `INSERT INTO audit_log (tenant_id, actor_type, actor_id, action, resource_type, resource_id, before, after,
                                metadata, ip, user_agent, request_id, occurred_at)
         SELECT $1::uuid, x.actor_type::"AuditActorType", x.actor_id, x.action, x.resource_type, x.resource_id,
                x.before, x.after, x.metadata, x.ip, x.user_agent, x.request_id, COALESCE(x.occurred_at, now())
         FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS e(entry, n)
         CROSS JOIN LATERAL jsonb_to_record(e.entry) AS x(actor_type text, actor_id text, action text,
              resource_type text, resource_id text, before jsonb, after jsonb, metadata jsonb, ip inet,
              user_agent text, request_id text, occurred_at timestamptz)
         ORDER BY e.n
         RETURNING id`,
        [tenantId, JSON.stringify(entries.map((e) => ({ actor_type: 'SYSTEM', action: 'test.done', ...e })))],
      );
      await client.query('COMMIT');
      return rows.map((r) => r.id);
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    }
  });
}

/** Inserts a tenant straight into the registry as the owner (no audit entry), returning its id. */
export async function insertTenant(name: string): Promise<string> {
  return withClient(process.env.DIRECT_DATABASE_URL!, async (client) => {
    const domain = `${name}-${Math.random().toString(36).slice(2, 10)}`;
    const { rows } = await client.query<{ id: string }>(
      'INSERT INTO tenants (name, domain) VALUES ($1, $2) RETURNING id',
      [name, domain],
    );
    return rows[0].id;
  });
}

/**
 * Changes one entry as only the owner can, with the append-only trigger switched off for the
 * duration (in one transaction, so nothing else runs without it): a tampering the chain must reveal.
 */
export async function tamper(sql: string, values: unknown[]): Promise<void> {
  await withClient(process.env.DIRECT_DATABASE_URL!, async (client) => {
    await client.query('BEGIN');
    await client.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_or_delete');
    await client.query(sql, values);
    await client.query('ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update_or_delete');
    await client.query('COMMIT');
  });
}

/** Runs `npm run audit:verify` against the test database as its owner. */
export function runAuditVerify(args: string[] = []): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '--silent', 'audit:verify', '--', ...args], {
      cwd: path.join(__dirname, '..', '..'),
      env: { ...process.env, DIRECT_DATABASE_URL: process.env.DIRECT_DATABASE_URL },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export { withClient };
