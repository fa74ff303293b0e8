import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { sha256 } from '@itinera/platform';
import { startApi } from '../support/test-apps';
import { asOwner, bearer, createTenant, createPlatformAdmin, type TestTenant } from '../support/identity-fixtures';
import { createWorkflow, tokenOf } from '../support/workflow-fixtures';

describe('POST /workflows', () => {
  let app: NestFastifyApplication;
  let tenant: TestTenant;

  beforeAll(async () => {
    app = await startApi({ PUBLIC_BASE_URL: 'https://sign.example.test', WORKFLOW_MAX_RECIPIENTS: '5' });
    tenant = await createTenant(app, await createPlatformAdmin(app), ['OWNER', 'ADMIN', 'MEMBER', 'VIEWER']);
  });
  afterAll(() => app.close());

  it('creates an ACTIVE session whose recipients are in order, returns each link once and stores only hashes', async () => {
    const created = await createWorkflow(app, tenant.users.MEMBER!);
    expect(created.status).toBe('ACTIVE');
    expect(created.progress).toEqual({ total: 4, completed: 0, currentRecipientOrder: 0, percent: 0 });
    expect(created.recipients.map((r) => [r.orderIndex, r.type, r.status])).toEqual([
      [0, 'PRESCRIBER', 'PENDING'],
      [1, 'PATIENT', 'PENDING'],
      [2, 'PHARMACY', 'PENDING'],
      [3, 'INSURANCE', 'PENDING'],
    ]);
    for (const r of created.recipients) expect(r.link).toMatch(/^https:\/\/sign\.example\.test\/r\/[a-z2-7]{32}$/);

    const rows = await asOwner(
      async (c) =>
        (
          await c.query<{ id: string; token_hash: Buffer; token_ciphertext: string; total_recipients: number }>(
            `SELECT r.id, r.token_hash, r.token_ciphertext, s.total_recipients FROM recipients r
             JOIN workflow_sessions s ON s.id = r.session_id WHERE r.session_id = $1 ORDER BY r.order_index`,
            [created.id],
          )
        ).rows,
    );
    expect(rows).toHaveLength(4);
    rows.forEach((row, i) => {
      const token = tokenOf(created.recipients[i].link);
      expect(row.token_hash.equals(sha256(token))).toBe(true);
      expect(row.token_ciphertext).not.toContain(token);
      expect(row.total_recipients).toBe(4);
    });

    const read = await app.inject({
      method: 'GET',
      url: `/workflows/${created.id}`,
      headers: bearer(tenant.users.VIEWER!.accessToken),
    });
    expect(read.statusCode).toBe(200);
    expect(read.body).not.toContain(tokenOf(created.recipients[0].link));
    expect(read.json().recipients[0]).not.toHaveProperty('link');
  });
});
