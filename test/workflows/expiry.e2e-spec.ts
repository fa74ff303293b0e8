import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { RequestContext } from '@itinera/platform';
import { WorkflowExpiryService, type ExpiryResult } from '@itinera/workflows';
import { startApi, startWorker } from '../support/test-apps';
import { asOwner, bearer, createPlatformAdmin, createTenant, type TestTenant } from '../support/identity-fixtures';
import { counterMismatches, createWorkflow, type CreatedWorkflow } from '../support/workflow-fixtures';

/** Runs the expiry as the job would (SYSTEM actor), through the service of `worker`. */
function runExpiry(worker: NestFastifyApplication): Promise<ExpiryResult> {
  return RequestContext.run({ requestId: `test-${Math.random()}`, actor: { type: 'SYSTEM', id: 'test:expiry' } }, () =>
    worker.get(WorkflowExpiryService).run(),
  );
}

async function makeOverdue(ids: string[]): Promise<void> {
  await asOwner((c) =>
    c.query(`UPDATE workflow_sessions SET expires_at = now() - interval '1 minute' WHERE id = ANY ($1::uuid[])`, [ids]),
  );
}

/** The first recipient of each session completed, as the recipients' routes would leave it. */
async function completeFirstRecipient(ids: string[]): Promise<void> {
  await asOwner((c) =>
    c.query(
      `UPDATE recipients SET status = 'COMPLETED', completed_at = now(), form_data = '{"done":true}'
        WHERE session_id = ANY ($1::uuid[]) AND order_index = 0`,
      [ids],
    ),
  );
}

interface SessionState {
  id: string;
  status: string;
  finished: boolean;
  recipients: string[];
  ciphertexts: number;
  audits: number;
}

async function stateOf(ids: string[]): Promise<SessionState[]> {
  return asOwner(async (c) => {
    const { rows } = await c.query<SessionState>(
      `SELECT s.id, s.status, s.finished_at IS NOT NULL AS finished,
              (SELECT array_agg(r.status::text ORDER BY r.order_index) FROM recipients r WHERE r.session_id = s.id) AS recipients,
              (SELECT count(*)::int FROM recipients r WHERE r.session_id = s.id AND r.token_ciphertext IS NOT NULL) AS ciphertexts,
              (SELECT count(*)::int FROM audit_log a
                WHERE a.resource_type = 'workflow' AND a.resource_id = s.id::text AND a.action = 'workflow.expired') AS audits
         FROM workflow_sessions s WHERE s.id = ANY ($1::uuid[]) ORDER BY s.id`,
      [ids],
    );
    return rows;
  });
}

describe('workflow-expiry job', () => {
  let api: NestFastifyApplication;
  let workers: NestFastifyApplication[];
  let a: TestTenant;
  let b: TestTenant;

  beforeAll(async () => {
    api = await startApi();
    const admin = await createPlatformAdmin(api);
    [a, b] = await Promise.all([createTenant(api, admin, ['OWNER']), createTenant(api, admin, ['OWNER'])]);
    // A batch smaller than the work, so every run takes several batches.
    workers = await Promise.all([
      startWorker({ WORKFLOW_EXPIRY_BATCH_SIZE: '4' }),
      startWorker({ WORKFLOW_EXPIRY_BATCH_SIZE: '4' }),
    ]);
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.close()));
    await api.close();
  });

  const create = (tenant: TestTenant, n: number): Promise<CreatedWorkflow[]> =>
    Promise.all(Array.from({ length: n }, () => createWorkflow(api, tenant.users.OWNER!)));

  it('expires overdue ACTIVE sessions of every tenant with their unfinished recipients, once, however often it runs', async () => {
    const overdueA = await create(a, 9);
    const overdueB = await create(b, 3);
    const current = await create(a, 2);
    const cancelled = (await create(a, 1))[0];
    const cancel = await api.inject({
      method: 'POST',
      url: `/workflows/${cancelled.id}/cancel`,
      payload: { reason: 'test' },
      headers: bearer(a.users.OWNER!.accessToken),
    });
    expect(cancel.statusCode).toBe(200);
    const overdue = [...overdueA, ...overdueB].map((w) => w.id);
    await completeFirstRecipient(overdueA.slice(0, 3).map((w) => w.id));
    await makeOverdue([...overdue, cancelled.id]);

    const first = await runExpiry(workers[0]);
    const afterFirst = await stateOf(overdue);
    expect(afterFirst.every((s) => s.status === 'EXPIRED' && s.finished && s.ciphertexts === 0 && s.audits === 1)).toBe(
      true,
    );
    const partlyDone = new Set(overdueA.slice(0, 3).map((w) => w.id));
    for (const s of afterFirst) {
      expect(s.recipients).toEqual(
        partlyDone.has(s.id)
          ? ['COMPLETED', 'EXPIRED', 'EXPIRED', 'EXPIRED']
          : ['EXPIRED', 'EXPIRED', 'EXPIRED', 'EXPIRED'],
      );
    }
    // At most this run expired them all (a scheduled run on the other worker may have taken some).
    expect(first.sessions).toBeLessThanOrEqual(overdue.length);

    // Not due, or not ACTIVE: untouched.
    const untouched = await stateOf([...current.map((w) => w.id), cancelled.id]);
    expect(untouched.map((s) => [s.status, s.audits])).toEqual(
      expect.arrayContaining([
        ['ACTIVE', 0],
        ['ACTIVE', 0],
        ['CANCELLED', 0],
      ]),
    );
    expect(
      untouched.filter((s) => s.status === 'ACTIVE').every((s) => s.recipients.every((r) => r === 'PENDING')),
    ).toBe(true);

    // The second run finds nothing and changes nothing.
    const second = await runExpiry(workers[0]);
    expect(second.sessions).toBe(0);
    expect(await stateOf(overdue)).toEqual(afterFirst);
    expect(await counterMismatches()).toEqual([]);

    // The audit entries name the session and the system actor, and the chain still verifies.
    const audit = await asOwner(
      async (c) =>
        (
          await c.query(
            `SELECT actor_type, tenant_id, before, after FROM audit_log WHERE action = 'workflow.expired' AND resource_id = $1`,
            [overdueB[0].id],
          )
        ).rows,
    );
    expect(audit).toEqual([
      { actor_type: 'SYSTEM', tenant_id: b.id, before: { status: 'ACTIVE' }, after: { status: 'EXPIRED' } },
    ]);
    const problems = await asOwner(
      async (c) => (await c.query('SELECT * FROM audit_log_verify($1::uuid)', [a.id])).rows,
    );
    expect(problems).toEqual([]);

    // Reading the session through the API shows the same.
    const read = await api.inject({
      method: 'GET',
      url: `/workflows/${overdueA[0].id}`,
      headers: bearer(a.users.OWNER!.accessToken),
    });
    expect(read.json()).toMatchObject({
      status: 'EXPIRED',
      progress: { total: 4, completed: 1, currentRecipientOrder: 1 },
    });
  });

  it('gives the same result when two workers run it at once as when one runs it once', async () => {
    const sessions = [...(await create(a, 10)), ...(await create(b, 6))];
    const ids = sessions.map((w) => w.id);
    await completeFirstRecipient(ids.slice(0, 5));
    await makeOverdue(ids);

    const results = await Promise.all([runExpiry(workers[0]), runExpiry(workers[1]), runExpiry(workers[0])]);
    expect(results.reduce((sum, r) => sum + r.sessions, 0)).toBeLessThanOrEqual(ids.length);

    const state = await stateOf(ids);
    expect(state).toHaveLength(ids.length);
    for (const s of state) {
      expect(s).toMatchObject({ status: 'EXPIRED', finished: true, ciphertexts: 0, audits: 1 });
      expect(s.recipients.filter((r) => r === 'EXPIRED').length).toBe(ids.slice(0, 5).includes(s.id) ? 3 : 4);
    }
    expect(await counterMismatches()).toEqual([]);
    expect((await runExpiry(workers[1])).sessions).toBe(0);
  });

  it('skips a session locked by a recipient mid-completion and expires it on the next run', async () => {
    const [held, free] = await create(a, 2);
    await makeOverdue([held.id, free.id]);
    await asOwner(async (c) => {
      await c.query('BEGIN');
      await c.query('SELECT id FROM workflow_sessions WHERE id = $1 FOR UPDATE', [held.id]);
      try {
        await runExpiry(workers[0]);
        expect((await stateOf([held.id, free.id])).map((s) => [s.id === held.id, s.status])).toEqual(
          expect.arrayContaining([
            [true, 'ACTIVE'],
            [false, 'EXPIRED'],
          ]),
        );
      } finally {
        await c.query('COMMIT');
      }
    });
    await runExpiry(workers[0]);
    expect((await stateOf([held.id]))[0]).toMatchObject({ status: 'EXPIRED', audits: 1 });
  });

  it('publishes one workflow.expired event per session and one recipient.expired per expired recipient to subscribed tenants', async () => {
    await asOwner((c) =>
      c.query(
        `INSERT INTO webhook_subscriptions (tenant_id, url, event_types) VALUES ($1, 'https://hooks.example.test/x', ARRAY['workflow.expired', 'recipient.expired'])`,
        [b.id],
      ),
    );
    const sessions = await create(b, 3);
    const ids = sessions.map((w) => w.id);
    await makeOverdue(ids);
    await runExpiry(workers[1]);
    const deliveries = await asOwner(
      async (c) =>
        (
          await c.query<{ workflow_id: string }>(
            `SELECT payload->'data'->>'workflowId' AS workflow_id FROM webhook_deliveries
              WHERE tenant_id = $1 AND event_type = 'workflow.expired'`,
            [b.id],
          )
        ).rows,
    );
    expect(deliveries.map((d) => d.workflow_id).sort()).toEqual([...ids].sort());
    const recipientEvents = await asOwner(async (c) =>
      (
        await c.query<{ data: Record<string, unknown> }>(
          `SELECT payload->'data' AS data FROM webhook_deliveries WHERE tenant_id = $1 AND event_type = 'recipient.expired'`,
          [b.id],
        )
      ).rows.map((r) => r.data),
    );
    const expected = sessions.flatMap((w) =>
      w.recipients.map((r) => ({ workflowId: w.id, recipientId: r.id, orderIndex: r.orderIndex, status: 'EXPIRED' })),
    );
    expect(recipientEvents).toHaveLength(expected.length);
    expect(recipientEvents).toEqual(expect.arrayContaining(expected));
  });
});
