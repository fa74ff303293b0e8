import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AuditHttpModule, AuditVerificationService } from '@itinera/audit';
import { createApiApp } from '../../apps/api/src/api-app';
import { testEnvironment } from '../support/test-apps';
import { insertEntries, insertTenant, runAuditVerify, tamper, withClient } from './audit-entries';

/**
 * The audit log below the app: PostgreSQL itself keeps it append-only (privileges for the app role,
 * a trigger for everyone, the owner included), row-level security hides it from a connection with
 * no tenant, and the hash chain reveals an entry changed or removed behind the triggers' back, to
 * `npm run audit:verify` and to the platform administrators' verification alike.
 */
describe('audit log in the database', () => {
  const app = () => process.env.DATABASE_URL!;
  const owner = () => process.env.DIRECT_DATABASE_URL!;
  let tenantA: string;
  let tenantB: string;
  let tenantC: string;
  let idsA: string[];
  let idsB: string[];
  let idsC: string[];

  beforeAll(async () => {
    [tenantA, tenantB, tenantC] = [
      await insertTenant('alpha'),
      await insertTenant('beta'),
      await insertTenant('gamma'),
    ];
    idsA = await insertEntries(tenantA, [
      { action: 'thing.created', after: { name: 'one' }, ip: '203.0.113.7' },
      { action: 'thing.updated', before: { name: 'one' }, after: { name: 'two' } },
      { action: 'thing.deleted', before: { name: 'two' } },
    ]);
    idsB = await insertEntries(tenantB, [
      { actor_type: 'USER', actor_id: 'u1', action: 'thing.created' },
      { actor_type: 'USER', actor_id: 'u1', action: 'thing.updated', metadata: { note: 'renamed' } },
      { actor_type: 'USER', actor_id: 'u2', action: 'thing.updated' },
      { actor_type: 'API_KEY', actor_id: 'k1', action: 'thing.deleted' },
    ]);
    idsC = await insertEntries(tenantC, [{ action: 'thing.created' }, { action: 'thing.updated' }]);
    await insertEntries(null, [{ action: 'auth.login_failed', metadata: { email: 'x@example.test' } }]);
  });

  describe('is append-only', () => {
    it.each([
      ['UPDATE', "UPDATE audit_log SET action = 'forged'"],
      ['DELETE', 'DELETE FROM audit_log'],
      ['TRUNCATE', 'TRUNCATE audit_log'],
    ])('refuses %s to the app role (permission denied), whatever its tenant', async (_op, sql) => {
      await withClient(app(), async (client) => {
        await client.query('BEGIN');
        await client.query("SELECT set_config('app.tenant_id', $1, true)", [tenantA]);
        await expect(client.query(sql)).rejects.toMatchObject({
          code: '42501',
          message: expect.stringMatching(/permission denied for table audit_log/),
        });
        await client.query('ROLLBACK');
      });
    });

    it.each([
      ['UPDATE', "UPDATE audit_log SET action = 'forged' WHERE id = $1", 'UPDATE'],
      ['DELETE', 'DELETE FROM audit_log WHERE id = $1', 'DELETE'],
      ['TRUNCATE', 'TRUNCATE audit_log', 'TRUNCATE'],
    ])('refuses %s to the owner too (the trigger)', async (_op, sql, verb) => {
      await withClient(owner(), async (client) => {
        await expect(client.query(sql, sql.includes('$1') ? [idsA[0]] : [])).rejects.toMatchObject({
          message: `audit_log is append-only: ${verb} is not allowed`,
        });
      });
      const { rows } = await withClient(owner(), (c) =>
        c.query('SELECT action FROM audit_log WHERE id = $1', [idsA[0]]),
      );
      expect(rows).toEqual([{ action: 'thing.created' }]);
    });

    it("keeps the chain heads out of the app role's reach", async () => {
      await withClient(app(), async (client) => {
        await expect(client.query('SELECT * FROM audit_chain_heads')).rejects.toMatchObject({ code: '42501' });
        await expect(client.query('UPDATE audit_chain_heads SET last_seq = 0')).rejects.toMatchObject({
          code: '42501',
        });
      });
    });
  });

  describe('row-level security', () => {
    it('shows the app role no entry at all when no tenant is set', async () => {
      const total = await withClient(owner(), (c) => c.query('SELECT count(*)::int AS n FROM audit_log'));
      expect(total.rows[0].n).toBeGreaterThanOrEqual(10);
      const { rows } = await withClient(app(), (c) => c.query('SELECT * FROM audit_log'));
      expect(rows).toEqual([]);
    });

    it("shows a tenant its own entries only, and the platform's only in platform scope", async () => {
      await withClient(app(), async (client) => {
        await client.query('BEGIN');
        await client.query("SELECT set_config('app.tenant_id', $1, true)", [tenantB]);
        const { rows } = await client.query('SELECT id, tenant_id FROM audit_log ORDER BY seq');
        expect(rows.map((r) => r.id)).toEqual(idsB);
        await client.query("SELECT set_config('app.tenant_id', '', true), set_config('app.scope', 'platform', true)");
        const platform = await client.query('SELECT tenant_id, action FROM audit_log');
        expect(platform.rows).toEqual([{ tenant_id: null, action: 'auth.login_failed' }]);
        await client.query('ROLLBACK');
      });
    });

    it("refuses the app role an entry in another tenant's chain", async () => {
      await withClient(app(), async (client) => {
        await client.query('BEGIN');
        await client.query("SELECT set_config('app.tenant_id', $1, true)", [tenantA]);
        await expect(
          client.query(`INSERT INTO audit_log (tenant_id, actor_type, action) VALUES ($1, 'SYSTEM', 'forged')`, [
            tenantB,
          ]),
        ).rejects.toMatchObject({ code: '42501' });
        await client.query('ROLLBACK');
      });
    });
  });

  describe('hash chains', () => {
    let api: NestFastifyApplication;
    beforeAll(async () => {
      api = await createApiApp(testEnvironment(), { extraModules: [AuditHttpModule] });
      await api.init();
    });
    afterAll(() => api?.close());

    it('numbers each chain from 1 without gaps and seals each entry with its own SHA-256', async () => {
      const { rows } = await withClient(owner(), (c) =>
        c.query(
          `SELECT seq::int AS seq, encode(hash, 'hex') AS hash FROM audit_log WHERE tenant_id = $1 ORDER BY seq`,
          [tenantB],
        ),
      );
      expect(rows.map((r) => r.seq)).toEqual([1, 2, 3, 4]);
      expect(new Set(rows.map((r) => r.hash)).size).toBe(4);
      for (const row of rows) expect(row.hash).toMatch(/^[0-9a-f]{64}$/);
    });

    it('reports every chain intact before anything is touched (exit code 0)', async () => {
      const result = await runAuditVerify();
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^platform chain\s+intact \(1 entry\)$/m);
      expect(result.stdout).toMatch(
        new RegExp(`^tenant ${tenantB} beta \\(beta-[a-z0-9]+\\)\\s+intact \\(4 entries\\)$`, 'm'),
      );
      expect(result.stdout).toMatch(/All \d+ chains are intact\./);
      const report = await api.get(AuditVerificationService).verifyAll();
      expect(report.intact).toBe(true);
    });

    it('finds an entry changed behind the trigger: the script exits 1 naming it, and the admin verification agrees', async () => {
      // The second entry of B: its action rewritten, seq and hash left as they were.
      await tamper("UPDATE audit_log SET action = 'thing.viewed' WHERE id = $1", [idsB[1]]);

      const result = await runAuditVerify();
      expect(result.code).toBe(1);
      const line = result.stdout.split('\n').find((l) => l.includes(tenantB));
      expect(line).toContain(`MISMATCH at seq 2, entry ${idsB[1]}: content does not match its hash`);
      expect(result.stdout).toMatch(new RegExp(`^tenant ${tenantA} .*intact`, 'm'));
      expect(result.stdout).toMatch(/1 of \d+ chains do not verify\./);

      const report = await api.get(AuditVerificationService).verifyAll();
      expect(report.intact).toBe(false);
      expect(report.chains.filter((c) => !c.intact)).toEqual([
        {
          tenantId: tenantB,
          intact: false,
          firstMismatch: { id: idsB[1], seq: '2', problem: 'content does not match its hash' },
        },
      ]);
      expect(report.chains[0]).toEqual({ tenantId: null, intact: true, firstMismatch: null });
      const tenantReport = await api.get(AuditVerificationService).verifyTenant(tenantB);
      expect(tenantReport).toMatchObject({ intact: false, firstMismatch: { id: idsB[1], seq: '2' } });
    });

    it('checks one tenant with --tenant', async () => {
      const intact = await runAuditVerify(['--tenant', tenantA]);
      expect(intact.code).toBe(0);
      expect(intact.stdout).toMatch(/^Verifying 1 audit chain/);
      expect(intact.stdout).toContain('The chain is intact.');
      const broken = await runAuditVerify([`--tenant=${tenantB}`]);
      expect(broken.code).toBe(1);
      expect(broken.stdout).toContain(idsB[1]);
    });

    it('finds entries removed from the middle of a chain, and a last entry removed (the head no longer matches)', async () => {
      const [, , lastOfA] = idsA;
      await tamper('DELETE FROM audit_log WHERE id = $1', [lastOfA]);
      await tamper('DELETE FROM audit_log WHERE id = $1', [idsC[0]]);

      const result = await runAuditVerify();
      expect(result.code).toBe(1);
      const lineOf = (tenant: string) => result.stdout.split('\n').find((l) => l.startsWith(`tenant ${tenant}`));
      expect(lineOf(tenantA)).toContain(
        'MISMATCH at seq 3, the chain head: the chain head does not match the last entry',
      );
      expect(lineOf(tenantC)).toContain(`MISMATCH at seq 2, entry ${idsC[1]}: entries missing before this one`);
      expect(result.stdout).toMatch(/3 of \d+ chains do not verify\./);

      const report = await api.get(AuditVerificationService).verifyAll();
      expect(report.chains.find((c) => c.tenantId === tenantA)?.firstMismatch).toEqual({
        id: null,
        seq: '3',
        problem: 'the chain head does not match the last entry',
      });
    });

    it('refuses bad arguments with exit code 2', async () => {
      const result = await runAuditVerify(['--tenant', 'not-a-uuid']);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('--tenant needs a tenant id');
    });
  });
});
