import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { RequestContext } from '@itinera/platform';
import { PrismaService } from '@itinera/prisma';
import { WorkflowAccess, WorkflowLifecycle, WorkflowQueriesService } from '@itinera/workflows';
import { startApi } from '../support/test-apps';
import {
  asOwner,
  bearer,
  createApiKey,
  createPlatformAdmin,
  createTenant,
  type TestTenant,
} from '../support/identity-fixtures';
import { counterMismatches, createWorkflow, type CreatedWorkflow } from '../support/workflow-fixtures';
import type { Principal } from '@itinera/platform';

async function sessionRow(id: string) {
  return asOwner(
    async (c) =>
      (
        await c.query<{ status: string; finished_at: Date | null; cancel_reason: string | null; ciphertexts: number }>(
          `SELECT status, finished_at, cancel_reason,
                  (SELECT count(*)::int FROM recipients r WHERE r.session_id = s.id AND r.token_ciphertext IS NOT NULL) AS ciphertexts
             FROM workflow_sessions s WHERE id = $1`,
          [id],
        )
      ).rows[0],
  );
}

async function auditActions(id: string): Promise<string[]> {
  return asOwner(async (c) =>
    (
      await c.query<{ action: string }>(
        `SELECT action FROM audit_log WHERE resource_type = 'workflow' AND resource_id = $1 ORDER BY seq`,
        [id],
      )
    ).rows.map((r) => r.action),
  );
}

describe('cancel, legal hold and audit trail', () => {
  let app: NestFastifyApplication;
  let tenant: TestTenant;
  let other: TestTenant;

  beforeAll(async () => {
    app = await startApi();
    const admin = await createPlatformAdmin(app);
    [tenant, other] = await Promise.all([
      createTenant(app, admin, ['OWNER', 'ADMIN', 'MANAGER', 'MEMBER', 'VIEWER']),
      createTenant(app, admin, ['OWNER']),
    ]);
  });
  afterAll(() => app.close());

  const cancel = (id: string, headers: Record<string, string>, reason = 'no longer needed') =>
    app.inject({ method: 'POST', url: `/workflows/${id}/cancel`, payload: { reason }, headers });

  it('lets the creator cancel an ACTIVE workflow: links die, unfinished recipients keep their status; a second cancel is 409', async () => {
    const w = await createWorkflow(app, tenant.users.MEMBER!);
    const response = await cancel(w.id, bearer(tenant.users.MEMBER!.accessToken));
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ status: 'CANCELLED', cancelReason: 'no longer needed' });
    expect(response.json().recipients.map((r: { status: string }) => r.status)).toEqual([
      'PENDING',
      'PENDING',
      'PENDING',
      'PENDING',
    ]);
    expect(await sessionRow(w.id)).toMatchObject({
      status: 'CANCELLED',
      finished_at: expect.any(Date),
      cancel_reason: 'no longer needed',
      ciphertexts: 0,
    });

    const again = await cancel(w.id, bearer(tenant.users.MEMBER!.accessToken));
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'INVALID_STATE', status: 409, workflowStatus: 'CANCELLED' });
    expect(await auditActions(w.id)).toEqual(['workflow.created', 'workflow.cancelled']);
    const notified = await asOwner(
      async (c) =>
        (
          await c.query(
            `SELECT 1 FROM outbox_messages WHERE job_name = 'creator-notify' AND payload->>'sessionId' = $1`,
            [w.id],
          )
        ).rowCount,
    );
    expect(notified).toBe(0);
  });

  it("lets OWNER and ADMIN cancel anyone's workflow, and refuses other members (403), viewers and other tenants (404)", async () => {
    const [a, b, c] = await Promise.all([
      createWorkflow(app, tenant.users.MEMBER!),
      createWorkflow(app, tenant.users.MEMBER!),
      createWorkflow(app, tenant.users.MEMBER!),
    ]);
    expect((await cancel(a.id, bearer(tenant.users.MANAGER!.accessToken))).statusCode).toBe(403);
    expect((await cancel(a.id, bearer(tenant.users.VIEWER!.accessToken))).statusCode).toBe(403);
    expect((await cancel(a.id, bearer(other.users.OWNER!.accessToken))).statusCode).toBe(404);
    expect((await sessionRow(a.id)).status).toBe('ACTIVE');
    expect((await cancel(a.id, bearer(tenant.users.OWNER!.accessToken))).statusCode).toBe(200);
    expect((await cancel(b.id, bearer(tenant.users.ADMIN!.accessToken))).statusCode).toBe(200);
    // The creator hears of it when an admin cancelled (not when they cancelled themselves).
    const notices = await asOwner(async (c) =>
      (
        await c.query<{ session_id: string }>(
          `SELECT payload->>'sessionId' AS session_id FROM outbox_messages
              WHERE job_name = 'creator-notify' AND payload->>'kind' = 'cancelled'`,
        )
      ).rows.map((r) => r.session_id),
    );
    expect(notices).toEqual(expect.arrayContaining([a.id, b.id]));

    // An API key (write) cancels the sessions it created, not others'.
    const key = await createApiKey(app, tenant, ['read', 'write']);
    const mine = await createWorkflow(app, { key: key.key });
    expect((await cancel(c.id, bearer(key.key))).statusCode).toBe(403);
    expect((await cancel(mine.id, bearer(key.key))).statusCode).toBe(200);
    const readOnly = await createApiKey(app, tenant, ['read']);
    expect((await cancel(c.id, bearer(readOnly.key))).statusCode).toBe(403);

    expect((await cancel(randomUUID(), bearer(tenant.users.OWNER!.accessToken))).statusCode).toBe(404);
    expect((await cancel('nope', bearer(tenant.users.OWNER!.accessToken))).statusCode).toBe(400);
  });

  it('refuses to cancel COMPLETED and EXPIRED workflows with 409 and changes nothing', async () => {
    const [done, gone] = await Promise.all([
      createWorkflow(app, tenant.users.OWNER!),
      createWorkflow(app, tenant.users.OWNER!),
    ]);
    await asOwner(async (c) => {
      await c.query(`UPDATE recipients SET status = 'COMPLETED', completed_at = now() WHERE session_id = $1`, [
        done.id,
      ]);
      await c.query(`UPDATE workflow_sessions SET status = 'COMPLETED', finished_at = now() WHERE id = $1`, [done.id]);
      await c.query(`UPDATE workflow_sessions SET status = 'EXPIRED', finished_at = now() WHERE id = $1`, [gone.id]);
    });
    for (const w of [done, gone]) {
      const before = await sessionRow(w.id);
      const response = await cancel(w.id, bearer(tenant.users.OWNER!.accessToken));
      expect(response.statusCode).toBe(409);
      expect(await sessionRow(w.id)).toEqual(before);
    }
  });

  it('puts a workflow on legal hold and releases it (tenant admins only), audited with the reason', async () => {
    const w = await createWorkflow(app, tenant.users.MEMBER!);
    const put = (headers: Record<string, string>, payload: object) =>
      app.inject({ method: 'PUT', url: `/workflows/${w.id}/legal-hold`, payload, headers });
    expect((await put(bearer(tenant.users.MEMBER!.accessToken), { legalHold: true, reason: 'x' })).statusCode).toBe(
      403,
    );
    const key = await createApiKey(app, tenant, ['read', 'write']);
    expect((await put(bearer(key.key), { legalHold: true, reason: 'x' })).statusCode).toBe(403);
    const missingReason = await put(bearer(tenant.users.ADMIN!.accessToken), { legalHold: true });
    expect(missingReason.statusCode).toBe(400);
    expect(missingReason.json().errors[0].field).toBe('reason');
    const on = await put(bearer(tenant.users.ADMIN!.accessToken), { legalHold: true, reason: 'litigation 42' });
    expect(on.statusCode).toBe(200);
    expect(on.json().legalHold).toBe(true);
    const off = await put(bearer(tenant.users.OWNER!.accessToken), { legalHold: false, reason: 'settled' });
    expect(off.json().legalHold).toBe(false);
    expect(
      (
        await app.inject({
          method: 'PUT',
          url: `/workflows/${randomUUID()}/legal-hold`,
          payload: { legalHold: true, reason: 'x' },
          headers: bearer(tenant.users.OWNER!.accessToken),
        })
      ).statusCode,
    ).toBe(404);
    expect(await auditActions(w.id)).toEqual([
      'workflow.created',
      'workflow.legal_hold_set',
      'workflow.legal_hold_released',
    ]);
  });

  it("pages the workflow's audit events newest first, for every member including viewers", async () => {
    const w = await createWorkflow(app, tenant.users.MEMBER!);
    await cancel(w.id, bearer(tenant.users.MEMBER!.accessToken));
    const other = await createWorkflow(app, tenant.users.MEMBER!);
    const first = await app.inject({
      method: 'GET',
      url: `/workflows/${w.id}/audit-events?limit=1`,
      headers: bearer(tenant.users.VIEWER!.accessToken),
    });
    expect(first.statusCode).toBe(200);
    const page1 = first.json();
    expect(page1.data.map((e: { action: string }) => e.action)).toEqual(['workflow.cancelled']);
    expect(page1.data[0]).toMatchObject({ resourceType: 'workflow', resourceId: w.id, actorType: 'USER' });
    const second = await app.inject({
      method: 'GET',
      url: `/workflows/${w.id}/audit-events?limit=1&cursor=${page1.page.nextCursor}`,
      headers: bearer(tenant.users.VIEWER!.accessToken),
    });
    expect(second.json().data.map((e: { action: string }) => e.action)).toEqual(['workflow.created']);
    expect(second.json().page.nextCursor).toBeNull();
    // Only this workflow's entries.
    expect(JSON.stringify(second.json())).not.toContain(other.id);
    expect(
      (
        await app.inject({
          method: 'GET',
          url: `/workflows/${randomUUID()}/audit-events`,
          headers: bearer(tenant.users.OWNER!.accessToken),
        })
      ).statusCode,
    ).toBe(404);
  });

  describe('WorkflowLifecycle and WorkflowAccess (for the recipients library)', () => {
    const inTenant = <T>(work: () => Promise<T>) =>
      RequestContext.run({ tenantId: tenant.id, requestId: 'lifecycle-test', actor: { type: 'SYSTEM' } }, work);
    const principal = (user: 'OWNER' | 'MEMBER' | 'MANAGER'): Principal => ({
      kind: 'user',
      userId: tenant.users[user]!.userId,
      tenantId: tenant.id,
      role: user,
      isPlatformAdmin: false,
      via: 'access-token',
    });

    it('completes the session only when every recipient has, once, with its audit entry and creator notification', async () => {
      const w: CreatedWorkflow = await createWorkflow(app, tenant.users.MEMBER!);
      const prisma = app.get(PrismaService);
      const lifecycle = app.get(WorkflowLifecycle);
      const completeUpTo = (n: number) =>
        inTenant(() =>
          prisma.tenantTransaction(async (tx) => {
            const locked = await lifecycle.lockSession(tx, w.id);
            expect(locked).toMatchObject({ id: w.id, tenantId: tenant.id, status: 'ACTIVE', totalRecipients: 4 });
            await tx.$executeRawUnsafe(
              `UPDATE recipients SET status = 'COMPLETED', completed_at = now() WHERE session_id = $1::uuid AND order_index < $2`,
              w.id,
              n,
            );
            return lifecycle.completeIfDone(tx, w.id);
          }),
        );
      expect(await completeUpTo(3)).toBe(false);
      expect((await sessionRow(w.id)).status).toBe('ACTIVE');
      expect(await completeUpTo(4)).toBe(true);
      expect((await sessionRow(w.id)).status).toBe('COMPLETED');
      expect(await inTenant(() => prisma.tenantTransaction((tx) => lifecycle.completeIfDone(tx, w.id)))).toBe(false);
      expect(await auditActions(w.id)).toEqual(['workflow.created', 'workflow.completed']);
      const jobs = await asOwner(
        async (c) =>
          (
            await c.query(
              `SELECT payload FROM outbox_messages WHERE job_name = 'creator-notify' AND payload->>'sessionId' = $1`,
              [w.id],
            )
          ).rows,
      );
      expect(jobs).toEqual([
        { payload: expect.objectContaining({ tenantId: tenant.id, sessionId: w.id, kind: 'completed' }) },
      ]);
      expect(
        await inTenant(() => prisma.tenantTransaction((tx) => lifecycle.lockSession(tx, randomUUID()))),
      ).toBeNull();
      expect(await counterMismatches()).toEqual([]);
    });

    it('stops the session after a decline (CANCELLED with the reason), and refuses a second stop with 409', async () => {
      const w = await createWorkflow(app, tenant.users.MEMBER!);
      const prisma = app.get(PrismaService);
      const lifecycle = app.get(WorkflowLifecycle);
      const stop = () =>
        inTenant(() =>
          prisma.tenantTransaction((tx) => lifecycle.stopAfterDecline(tx, w.id, w.recipients[1].id, 'wrong patient')),
        );
      await stop();
      expect(await sessionRow(w.id)).toMatchObject({
        status: 'CANCELLED',
        cancel_reason: 'declined by recipient 1: wrong patient',
        ciphertexts: 0,
      });
      await expect(stop()).rejects.toMatchObject({ status: 409 });
      const audit = await asOwner(
        async (c) =>
          (
            await c.query(`SELECT metadata FROM audit_log WHERE action = 'workflow.cancelled' AND resource_id = $1`, [
              w.id,
            ])
          ).rows,
      );
      expect(audit).toEqual([{ metadata: { cause: 'declined', recipientId: w.recipients[1].id } }]);
    });

    it('lets the creator and tenant admins manage a session: 403 for other members, 404 for unknown ids', async () => {
      const w = await createWorkflow(app, tenant.users.MEMBER!);
      const access = app.get(WorkflowAccess);
      await expect(inTenant(() => access.assertCanManage(principal('MEMBER'), w.id))).resolves.toMatchObject({
        id: w.id,
        status: 'ACTIVE',
      });
      await expect(inTenant(() => access.assertCanManage(principal('OWNER'), w.id))).resolves.toMatchObject({
        id: w.id,
      });
      await expect(inTenant(() => access.assertCanManage(principal('MANAGER'), w.id))).rejects.toMatchObject({
        status: 403,
      });
      await expect(inTenant(() => access.assertCanManage(principal('OWNER'), randomUUID()))).rejects.toMatchObject({
        status: 404,
      });
    });
  });

  describe('query plans', () => {
    it('pages the list on the (tenant, created_at, id) and (tenant, status, created_at, id) indexes, and filters on the GIN indexes', async () => {
      // A tenant with enough rows that a sequential scan would not be chosen for the wrong reasons.
      const bulk = await createTenant(app, await createPlatformAdmin(app), ['OWNER']);
      await asOwner(async (c) => {
        await c.query(
          `INSERT INTO workflow_sessions (tenant_id, document_url, status, creator_id, creator_type, metadata, total_recipients,
                                          expires_at, finished_at, created_at)
           SELECT $1, 'https://docs.example.test/x.pdf',
                  (CASE WHEN i % 100 = 0 THEN 'EXPIRED' WHEN i % 2 = 0 THEN 'CANCELLED' ELSE 'ACTIVE' END)::"WorkflowStatus",
                  CASE WHEN i % 100 = 1 THEN $2::uuid ELSE gen_random_uuid() END, 'USER', jsonb_build_object('n', i), 1, now() + interval '1 day',
                  CASE WHEN i % 2 = 1 THEN NULL ELSE now() END, now() - make_interval(secs => i)
             FROM generate_series(1, 20000) i`,
          [bulk.id, bulk.users.OWNER!.userId],
        );
        await c.query(
          `INSERT INTO recipients (tenant_id, session_id, order_index, token_hash, recipient_type, email, form_data)
           SELECT s.tenant_id, s.id, 0, sha256(s.id::text::bytea), 'PATIENT', 'p@example.test',
                  jsonb_build_object('n', (s.metadata->>'n')::int)
             FROM workflow_sessions s WHERE s.tenant_id = $1`,
          [bulk.id],
        );
        await c.query('ANALYZE workflow_sessions; ANALYZE recipients');
      });
      const queries = app.get(WorkflowQueriesService);
      // The plans of the statements the list function runs (auto_explain logs nested statements
      // to the client), as the app role under row-level security.
      const plan = (query: Record<string, unknown>) =>
        RequestContext.run({ tenantId: bulk.id }, async () => {
          const { sql, values } = queries.listSql({ limit: 20, ...query } as never);
          return asOwner(async (c) => {
            const notices: string[] = [];
            c.on('notice', (notice) => notices.push(notice.message ?? ''));
            await c.query('BEGIN');
            await c.query("SELECT set_config('app.tenant_id', $1, true)", [bulk.id]);
            await c.query("LOAD 'auto_explain'");
            await c.query('SET LOCAL auto_explain.log_min_duration = 0');
            await c.query('SET LOCAL auto_explain.log_nested_statements = on');
            await c.query("SET LOCAL auto_explain.log_format = 'json'");
            await c.query('SET LOCAL client_min_messages = log');
            await c.query('SET LOCAL ROLE itinera_app');
            const { rowCount } = await c.query(sql, values);
            await c.query('ROLLBACK');
            expect(rowCount).toBeGreaterThan(0);
            return notices.join('\n');
          });
        });
      const unfiltered = await plan({});
      expect(unfiltered).toContain('workflow_sessions_tenant_id_created_at_id_idx');
      expect(unfiltered).not.toContain('"Sort"');
      // A rare status: its own index; a common one may be read off the created_at index with a filter.
      const byStatus = await plan({ status: 'EXPIRED' });
      expect(byStatus).toContain('idx_workflow_status_created');
      // The status is an index condition, not a filter applied to every row of the tenant.
      expect(byStatus).toMatch(/"Index Cond": "\(\(tenant_id = '[^']+'::uuid\) AND \(status = 'EXPIRED'/);
      expect(byStatus).not.toContain('"Sort"');
      const common = await plan({ status: 'ACTIVE' });
      expect(common).toContain('idx_workflow_status_created');
      expect(common).not.toContain('"Sort"');
      const byCreator = await plan({ creatorId: bulk.users.OWNER!.userId });
      expect(byCreator).toContain('workflow_sessions_tenant_id_creator_id_created_at_id_idx');
      expect(byCreator).not.toContain('"Sort"');
      expect(await plan({ metadata: JSON.stringify({ n: 77 }) })).toContain('idx_workflow_metadata');
      expect(await plan({ recipientFormData: JSON.stringify({ n: 77 }) })).toContain('idx_recipient_form_data');
    });
  });
});
