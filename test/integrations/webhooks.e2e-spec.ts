import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { PrismaService } from '@itinera/prisma';
import { verifyWebhookSignature, WebhookPublisher, type WebhookEventInput } from '@itinera/integrations';
import { startApi, startWorker, waitFor } from '../support/test-apps';
import {
  asOwner,
  bearer,
  createApiKey,
  createPlatformAdmin,
  createTenant,
  type TestTenant,
  type TestUser,
} from '../support/identity-fixtures';
import { createWorkflow } from '../support/workflow-fixtures';
import { WebhookReceiver } from './webhook-receiver';

/** Small numbers so retries, dead-lettering and disabling happen within a test. */
const WORKER_ENV = {
  WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
  WEBHOOK_MAX_ATTEMPTS: '3',
  WEBHOOK_DISABLE_AFTER_FAILURES: '2',
  WEBHOOK_TIMEOUT_MS: '500',
  OUTBOX_POLL_INTERVAL_MS: '100',
};

interface DeliveryRow {
  id: string;
  subscription_id: string;
  event_id: string;
  event_type: string;
  status: string;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
}

const deliveriesOf = (subscriptionId: string) =>
  asOwner(async (c) => {
    const { rows } = await c.query<DeliveryRow>(
      'SELECT * FROM webhook_deliveries WHERE subscription_id = $1 ORDER BY created_at, id',
      [subscriptionId],
    );
    return rows;
  });

const attemptsOf = (deliveryId: string) =>
  asOwner(async (c) => {
    const { rows } = await c.query<{
      attempt: number;
      status_code: number | null;
      error: string | null;
      attempted_at: Date;
    }>(
      'SELECT attempt, status_code, error, attempted_at FROM webhook_delivery_attempts WHERE delivery_id = $1 ORDER BY attempt',
      [deliveryId],
    );
    return rows;
  });

const subscriptionRow = (id: string) =>
  asOwner(async (c) => {
    const { rows } = await c.query<{
      active: boolean;
      consecutive_failures: number;
      disabled_at: Date | null;
      disabled_reason: string | null;
    }>('SELECT active, consecutive_failures, disabled_at, disabled_reason FROM webhook_subscriptions WHERE id = $1', [
      id,
    ]);
    return rows[0];
  });

const auditActions = (tenantId: string, resourceId: string) =>
  asOwner(async (c) => {
    const { rows } = await c.query<{ action: string }>(
      "SELECT action FROM audit_log WHERE tenant_id = $1 AND resource_type = 'webhook' AND resource_id = $2 ORDER BY seq",
      [tenantId, resourceId],
    );
    return rows.map((r) => r.action);
  });

async function waitForDelivery(subscriptionId: string, status: string, timeoutMs = 20_000): Promise<DeliveryRow> {
  return waitFor(
    `a ${status} delivery`,
    async () => (await deliveriesOf(subscriptionId)).find((d) => d.status === status),
    timeoutMs,
  );
}

describe('webhooks', () => {
  let api: NestFastifyApplication;
  let strictApi: NestFastifyApplication;
  let admin: TestUser;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    [api, strictApi, receiver] = await Promise.all([
      startApi({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true', WEBHOOK_MAX_ATTEMPTS: '3' }),
      startApi({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'false' }),
      WebhookReceiver.start(),
    ]);
    admin = await createPlatformAdmin(api);
  });
  afterAll(async () => {
    await Promise.all([api.close(), strictApi.close(), receiver.close()]);
  });

  const newTenant = () => createTenant(api, admin, ['OWNER', 'MEMBER']);

  async function subscribe(
    tenant: TestTenant,
    url: string,
    eventTypes: string[] = ['workflow.created'],
  ): Promise<{ id: string; secret: { id: string; secret: string } }> {
    const res = await api.inject({
      method: 'POST',
      url: '/webhooks',
      headers: bearer(tenant.users.OWNER!.accessToken),
      payload: { url, eventTypes, description: 'test' },
    });
    expect(res.statusCode).toBe(201);
    return res.json();
  }

  /** Publishes as a domain would: WebhookPublisher inside a tenant transaction. */
  async function publish(tenantId: string, events: WebhookEventInput[]): Promise<void> {
    const prisma = api.get(PrismaService);
    const publisher = api.get(WebhookPublisher);
    await prisma.tenantTransaction((tx) => publisher.publishMany(tx, events), { tenantId });
  }

  describe('subscriptions over HTTP', () => {
    it('creates a subscription with a secret shown once and stored encrypted, audited', async () => {
      const tenant = await newTenant();
      const created = await subscribe(tenant, 'https://hooks.example.com/itinera', [
        'workflow.created',
        'recipient.completed',
      ]);
      expect(created.secret.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
      const stored = await asOwner((c) =>
        c.query<{ secret_encrypted: string; prefix: string }>(
          'SELECT secret_encrypted, prefix FROM webhook_secrets WHERE subscription_id = $1',
          [created.id],
        ),
      );
      expect(stored.rows).toHaveLength(1);
      expect(stored.rows[0].secret_encrypted).not.toContain(created.secret.secret.slice(6));
      expect(created.secret.secret.startsWith(stored.rows[0].prefix)).toBe(true);

      const read = await api.inject({
        method: 'GET',
        url: `/webhooks/${created.id}`,
        headers: bearer(tenant.users.OWNER!.accessToken),
      });
      expect(read.statusCode).toBe(200);
      expect(read.body).not.toContain(created.secret.secret);
      expect(read.json()).toMatchObject({ active: true, eventTypes: ['workflow.created', 'recipient.completed'] });

      const list = await api.inject({
        method: 'GET',
        url: '/webhooks',
        headers: bearer(tenant.users.OWNER!.accessToken),
      });
      expect(list.json().data.map((w: { id: string }) => w.id)).toEqual([created.id]);
      expect(await auditActions(tenant.id, created.id)).toEqual(['webhook.created']);
    });

    it('refuses members, accepts API keys with write, and keeps tenants apart', async () => {
      const tenant = await newTenant();
      const other = await newTenant();
      const payload = { url: 'https://hooks.example.com/a', eventTypes: ['workflow.created'] };
      const member = await api.inject({
        method: 'POST',
        url: '/webhooks',
        headers: bearer(tenant.users.MEMBER!.accessToken),
        payload,
      });
      expect(member.statusCode).toBe(403);
      const readKey = await createApiKey(api, tenant, ['read']);
      expect(
        (await api.inject({ method: 'POST', url: '/webhooks', headers: bearer(readKey.key), payload })).statusCode,
      ).toBe(403);
      const writeKey = await createApiKey(api, tenant, ['write']);
      const byKey = await api.inject({ method: 'POST', url: '/webhooks', headers: bearer(writeKey.key), payload });
      expect(byKey.statusCode).toBe(201);
      const fromOther = await api.inject({
        method: 'GET',
        url: `/webhooks/${byKey.json().id}`,
        headers: bearer(other.users.OWNER!.accessToken),
      });
      expect(fromOther.statusCode).toBe(404);
    });

    it('refuses bad URLs and event types with 400 naming the field', async () => {
      const tenant = await newTenant();
      const headers = bearer(tenant.users.OWNER!.accessToken);
      for (const url of [
        'https://127.0.0.1/hook',
        'https://10.1.2.3/hook',
        'https://[::1]/hook',
        'https://169.254.169.254/latest',
        'https://localhost/hook',
        'http://hooks.example.com/plain',
        `https://hooks.example.com/${'a'.repeat(2000)}`,
        'not a url',
      ]) {
        const res = await strictApi.inject({
          method: 'POST',
          url: '/webhooks',
          headers,
          payload: { url, eventTypes: ['workflow.created'] },
        });
        expect({ url, status: res.statusCode }).toEqual({ url, status: 400 });
        expect(res.json().errors.map((e: { field: string }) => e.field)).toContain('url');
      }
      const badType = await strictApi.inject({
        method: 'POST',
        url: '/webhooks',
        headers,
        payload: { url: 'https://hooks.example.com/x', eventTypes: ['workflow.exploded'] },
      });
      expect(badType.statusCode).toBe(400);
      expect(
        await asOwner(
          async (c) =>
            (await c.query('SELECT 1 FROM webhook_subscriptions WHERE tenant_id = $1', [tenant.id])).rowCount,
        ),
      ).toBe(0);
    });

    it('rotates secrets and refuses to revoke the last active one', async () => {
      const tenant = await newTenant();
      const headers = bearer(tenant.users.OWNER!.accessToken);
      const created = await subscribe(tenant, 'https://hooks.example.com/rotate');
      const second = await api.inject({ method: 'POST', url: `/webhooks/${created.id}/secrets`, headers });
      expect(second.statusCode).toBe(201);
      const revokeFirst = await api.inject({
        method: 'DELETE',
        url: `/webhooks/${created.id}/secrets/${created.secret.id}`,
        headers,
      });
      expect(revokeFirst.statusCode).toBe(200);
      expect(revokeFirst.json().secrets.filter((s: { revokedAt: string | null }) => !s.revokedAt)).toHaveLength(1);
      const revokeLast = await api.inject({
        method: 'DELETE',
        url: `/webhooks/${created.id}/secrets/${second.json().id}`,
        headers,
      });
      expect(revokeLast.statusCode).toBe(409);
      expect(revokeLast.json().code).toBe('LAST_WEBHOOK_SECRET');
      expect(await auditActions(tenant.id, created.id)).toEqual([
        'webhook.created',
        'webhook.secret_created',
        'webhook.secret_revoked',
      ]);
      const gone = await api.inject({ method: 'DELETE', url: `/webhooks/${created.id}`, headers });
      expect(gone.statusCode).toBe(204);
      expect((await api.inject({ method: 'GET', url: `/webhooks/${created.id}`, headers })).statusCode).toBe(404);
    });
  });

  describe('publishing', () => {
    it('costs nothing for a tenant without subscriptions and fans one event id out to every matching subscription', async () => {
      const quiet = await newTenant();
      await publish(
        quiet.id,
        Array.from({ length: 2_000 }, (_, i) => ({ type: 'workflow.expired' as const, data: { workflowId: `w${i}` } })),
      );
      const counts = await asOwner(async (c) => {
        const d = await c.query('SELECT 1 FROM webhook_deliveries WHERE tenant_id = $1', [quiet.id]);
        const o = await c.query(
          "SELECT 1 FROM outbox_messages WHERE tenant_id = $1 AND job_name = 'webhook-delivery'",
          [quiet.id],
        );
        return [d.rowCount, o.rowCount];
      });
      expect(counts).toEqual([0, 0]);

      const tenant = await newTenant();
      const other = await newTenant();
      const a = await subscribe(tenant, 'https://hooks.example.com/a', ['workflow.created', 'workflow.completed']);
      const b = await subscribe(tenant, 'https://hooks.example.com/b', ['workflow.created']);
      const elsewhere = await subscribe(other, 'https://hooks.example.com/c', ['workflow.created']);
      await publish(tenant.id, [
        { type: 'workflow.created', data: { workflowId: 'w1' } },
        { type: 'workflow.completed', data: { workflowId: 'w1' } },
        { type: 'recipient.viewed', data: { workflowId: 'w1' } },
      ]);
      const [da, db, dc] = await Promise.all([deliveriesOf(a.id), deliveriesOf(b.id), deliveriesOf(elsewhere.id)]);
      expect(da.map((d) => d.event_type).sort()).toEqual(['workflow.completed', 'workflow.created']);
      expect(db.map((d) => d.event_type)).toEqual(['workflow.created']);
      expect(dc).toEqual([]);
      expect(db[0].event_id).toBe(da.find((d) => d.event_type === 'workflow.created')!.event_id);
      const jobs = await asOwner(
        async (c) =>
          (
            await c.query(
              "SELECT payload FROM outbox_messages WHERE tenant_id = $1 AND job_name = 'webhook-delivery'",
              [tenant.id],
            )
          ).rows,
      );
      expect(jobs).toHaveLength(3);
      expect(jobs.map((j) => j.payload.deliveryId).sort()).toEqual([...da, ...db].map((d) => d.id).sort());
    });
  });

  describe('delivery', () => {
    let worker: NestFastifyApplication;
    beforeAll(async () => {
      worker = await startWorker(WORKER_ENV);
    });
    afterAll(() => worker.close());

    it('delivers signed events that verify under every active secret, with the event headers', async () => {
      const tenant = await newTenant();
      const headers = bearer(tenant.users.OWNER!.accessToken);
      const created = await subscribe(tenant, receiver.url('signed'));
      const rotated = (await api.inject({ method: 'POST', url: `/webhooks/${created.id}/secrets`, headers })).json();

      await publish(tenant.id, [
        { type: 'workflow.created', data: { workflowId: '3c6f0c34-7a5f-4a53-9ad3-0d9f4a3c1e11' } },
      ]);
      const delivery = await waitForDelivery(created.id, 'SUCCEEDED');
      const [request] = receiver.requestsTo('signed');
      expect(request.headers['content-type']).toBe('application/json');
      expect(request.headers['itinera-event-id']).toBe(delivery.event_id);
      expect(request.headers['itinera-event-type']).toBe('workflow.created');
      const signature = request.headers['itinera-signature'] as string;
      const timestamp = request.headers['itinera-timestamp'] as string;
      expect(signature.split(',')).toHaveLength(2);
      expect(verifyWebhookSignature(created.secret.secret, signature, timestamp, request.body, 300)).toBe(true);
      expect(verifyWebhookSignature(rotated.secret, signature, timestamp, request.body, 300)).toBe(true);
      expect(verifyWebhookSignature(created.secret.secret, signature, timestamp, `${request.body} `, 300)).toBe(false);
      expect(JSON.parse(request.body)).toEqual({
        id: delivery.event_id,
        type: 'workflow.created',
        occurredAt: expect.any(String),
        tenantId: tenant.id,
        data: { workflowId: '3c6f0c34-7a5f-4a53-9ad3-0d9f4a3c1e11' },
      });
      expect(delivery.attempts).toBe(1);
      expect(await attemptsOf(delivery.id)).toEqual([
        expect.objectContaining({ attempt: 1, status_code: 200, error: null }),
      ]);

      // After revoking the first secret, only the rotated one signs.
      await api.inject({ method: 'DELETE', url: `/webhooks/${created.id}/secrets/${created.secret.id}`, headers });
      await publish(tenant.id, [{ type: 'workflow.created', data: { workflowId: 'w2' } }]);
      await waitFor('the second request', () => receiver.requestsTo('signed').length === 2);
      const second = receiver.requestsTo('signed')[1];
      const sig2 = second.headers['itinera-signature'] as string;
      expect(sig2.split(',')).toHaveLength(1);
      expect(
        verifyWebhookSignature(rotated.secret, sig2, second.headers['itinera-timestamp'] as string, second.body),
      ).toBe(true);
      expect(
        verifyWebhookSignature(created.secret.secret, sig2, second.headers['itinera-timestamp'] as string, second.body),
      ).toBe(false);

      const viaApi = await api.inject({ method: 'GET', url: `/webhooks/deliveries/${delivery.id}`, headers });
      expect(viaApi.json()).toMatchObject({
        status: 'SUCCEEDED',
        attempts: 1,
        attemptLog: [{ attempt: 1, statusCode: 200 }],
      });
    });

    it('delivers the workflow.created event of a real POST /workflows', async () => {
      const tenant = await newTenant();
      const created = await subscribe(tenant, receiver.url('real-route'), ['workflow.created']);
      const workflow = await createWorkflow(api, tenant.users.OWNER!);
      const delivery = await waitForDelivery(created.id, 'SUCCEEDED');
      const [request] = receiver.requestsTo('real-route');
      expect(
        verifyWebhookSignature(
          created.secret.secret,
          request.headers['itinera-signature'] as string,
          request.headers['itinera-timestamp'] as string,
          request.body,
        ),
      ).toBe(true);
      expect(JSON.parse(request.body)).toMatchObject({
        id: delivery.event_id,
        type: 'workflow.created',
        tenantId: tenant.id,
        data: { workflowId: workflow.id },
      });
      // Ids and states only: no contact details of the recipients.
      expect(request.body).not.toContain('@example.test');
    });

    it('retries a failing endpoint with backoff, dead-letters it, and redelivers on request', async () => {
      const tenant = await newTenant();
      const headers = bearer(tenant.users.OWNER!.accessToken);
      const created = await subscribe(tenant, receiver.url('failing', 'fail'));
      await publish(tenant.id, [{ type: 'workflow.created', data: { workflowId: 'w1' } }]);

      const dead = await waitForDelivery(created.id, 'DEAD');
      expect(dead).toMatchObject({ attempts: 3, last_status_code: 500 });
      const attempts = await attemptsOf(dead.id);
      expect(attempts.map((a) => [a.attempt, a.status_code])).toEqual([
        [1, 500],
        [2, 500],
        [3, 500],
      ]);
      // Exponential backoff from a 1 s base: the second gap is at least the first's base doubled.
      const gaps = [1, 2].map((i) => attempts[i].attempted_at.getTime() - attempts[i - 1].attempted_at.getTime());
      expect(gaps[0]).toBeGreaterThanOrEqual(900);
      expect(gaps[1]).toBeGreaterThanOrEqual(1_800);
      expect(receiver.requestsTo('failing')).toHaveLength(3);
      expect((await subscriptionRow(created.id)).consecutive_failures).toBe(1);

      const list = await api.inject({ method: 'GET', url: `/webhooks/${created.id}/deliveries?status=DEAD`, headers });
      expect(list.json().data).toEqual([expect.objectContaining({ id: dead.id, status: 'DEAD', attempts: 3 })]);
      expect(list.json().data[0].attemptLog).toHaveLength(3);

      receiver.setMode('failing', 'ok');
      const redeliver = await api.inject({ method: 'POST', url: `/webhooks/deliveries/${dead.id}/redeliver`, headers });
      expect(redeliver.statusCode).toBe(200);
      expect(redeliver.json().status).toBe('PENDING');
      const again = await api.inject({ method: 'POST', url: `/webhooks/deliveries/${dead.id}/redeliver`, headers });
      expect([200, 409]).toContain(again.statusCode);
      const succeeded = await waitForDelivery(created.id, 'SUCCEEDED');
      expect(succeeded.id).toBe(dead.id);
      expect(succeeded.event_id).toBe(dead.event_id);
      expect((await attemptsOf(dead.id)).at(-1)).toMatchObject({ status_code: 200 });
      expect((await subscriptionRow(created.id)).consecutive_failures).toBe(0);
      expect(await auditActions(tenant.id, created.id)).toContain('webhook.redelivered');
    });

    it('disables a subscription after the configured run of dead deliveries; re-enabling resets it', async () => {
      const tenant = await newTenant();
      const headers = bearer(tenant.users.OWNER!.accessToken);
      const created = await subscribe(tenant, receiver.url('disable-me', 'fail'));
      await publish(tenant.id, [
        { type: 'workflow.created', data: { workflowId: 'w1' } },
        { type: 'workflow.created', data: { workflowId: 'w2' } },
      ]);
      await waitFor(
        'two dead deliveries',
        async () => (await deliveriesOf(created.id)).filter((d) => d.status === 'DEAD').length === 2,
      );
      const row = await subscriptionRow(created.id);
      expect(row).toMatchObject({ active: false, consecutive_failures: 2 });
      expect(row.disabled_at).not.toBeNull();
      expect(row.disabled_reason).toMatch(/2 deliveries in a row failed/);
      expect(await auditActions(tenant.id, created.id)).toContain('webhook.disabled');

      // A disabled subscription gets no new deliveries.
      await publish(tenant.id, [{ type: 'workflow.created', data: { workflowId: 'w3' } }]);
      expect(await deliveriesOf(created.id)).toHaveLength(2);

      const enabled = await api.inject({
        method: 'PATCH',
        url: `/webhooks/${created.id}`,
        headers,
        payload: { active: true },
      });
      expect(enabled.json()).toMatchObject({ active: true, consecutiveFailures: 0, disabledAt: null });
      expect(await auditActions(tenant.id, created.id)).toContain('webhook.enabled');
    });

    it('treats a redirect as a failure and does not follow it', async () => {
      const tenant = await newTenant();
      const created = await subscribe(tenant, receiver.url('redirecting', 'redirect'));
      await publish(tenant.id, [{ type: 'workflow.created', data: {} }]);
      const dead = await waitForDelivery(created.id, 'DEAD');
      expect(dead.last_status_code).toBe(302);
      expect(dead.last_error).toMatch(/redirect/);
      expect(receiver.received.filter((r) => r.path === '/elsewhere')).toHaveLength(0);
    });

    it('times out a slow endpoint', async () => {
      const tenant = await newTenant();
      const created = await subscribe(tenant, receiver.url('slow', 'slow'));
      await publish(tenant.id, [{ type: 'workflow.created', data: {} }]);
      const dead = await waitForDelivery(created.id, 'DEAD');
      expect(dead.last_status_code).toBeNull();
      expect(dead.last_error).toMatch(/timed out after 500 ms/);
      expect((await attemptsOf(dead.id)).every((a) => a.error?.includes('timed out'))).toBe(true);
    });
  });

  describe('delivery with private targets not allowed', () => {
    let worker: NestFastifyApplication;
    beforeAll(async () => {
      worker = await startWorker({ ...WORKER_ENV, WEBHOOK_ALLOW_PRIVATE_TARGETS: 'false' });
    });
    afterAll(() => worker.close());

    it('refuses to connect to a loopback address, or to use http, and dead-letters the delivery', async () => {
      const tenant = await newTenant();
      // Created while allowed (the permissive API); the worker checks again at delivery.
      const loopback = await subscribe(tenant, receiver.url('private').replace('http:', 'https:'));
      const plain = await subscribe(tenant, 'http://hooks.example.com/plain');
      await publish(tenant.id, [{ type: 'workflow.created', data: {} }]);
      const dead = await waitForDelivery(loopback.id, 'DEAD');
      expect(dead.last_error).toMatch(/private address 127\.0\.0\.1/);
      expect(receiver.requestsTo('private')).toHaveLength(0);
      expect((await waitForDelivery(plain.id, 'DEAD')).last_error).toMatch(/https is required/);
    });
  });
});
