import { getQueueToken } from '@nestjs/bull';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Queue } from 'bull';
import { randomUUID } from 'node:crypto';
import { IdempotencyService } from '@itinera/integrations';
import { MAINTENANCE_QUEUE } from '@itinera/queues';
import { startApi, startWorker, waitFor } from '../support/test-apps';
import { asOwner, bearer, createPlatformAdmin, createTenant, type TestTenant } from '../support/identity-fixtures';

const countSubscriptions = (tenantId: string) =>
  asOwner(
    async (c) => (await c.query('SELECT 1 FROM webhook_subscriptions WHERE tenant_id = $1', [tenantId])).rowCount ?? 0,
  );

describe('idempotency keys', () => {
  let api: NestFastifyApplication;
  let tenant: TestTenant;
  let headers: Record<string, string>;

  beforeAll(async () => {
    api = await startApi({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'false' });
    tenant = await createTenant(api, await createPlatformAdmin(api), ['OWNER', 'ADMIN']);
    headers = bearer(tenant.users.OWNER!.accessToken);
  });
  afterAll(() => api.close());

  const create = (key: string | undefined, payload: object, as = headers) =>
    api.inject({
      method: 'POST',
      url: '/webhooks',
      headers: { ...as, ...(key !== undefined ? { 'idempotency-key': key } : {}) },
      payload,
    });

  describe('through POST /webhooks', () => {
    it('answers a repeat with the same key and body with the first answer, acting once', async () => {
      const before = await countSubscriptions(tenant.id);
      const key = `k-${randomUUID()}`;
      const body = { url: 'https://hooks.example.com/once', eventTypes: ['workflow.created'], description: 'once' };
      const first = await create(key, body);
      expect(first.statusCode).toBe(201);
      expect(first.headers['idempotent-replayed']).toBeUndefined();
      // Same body with its keys in another order: the same request.
      const second = await create(key, { description: 'once', eventTypes: ['workflow.created'], url: body.url });
      expect(second.statusCode).toBe(201);
      expect(second.headers['idempotent-replayed']).toBe('true');
      expect(second.json()).toEqual(first.json());
      expect(await countSubscriptions(tenant.id)).toBe(before + 1);

      // The stored answer holds the signing secret: it is kept encrypted.
      const stored = await asOwner(
        async (c) =>
          (
            await c.query('SELECT response_status, response_body::text AS body FROM idempotency_keys WHERE key = $1', [
              key,
            ])
          ).rows,
      );
      expect(stored).toHaveLength(1);
      expect(stored[0].response_status).toBe(201);
      expect(stored[0].body).not.toContain(first.json().secret.secret);
      expect(stored[0].body).not.toContain('hooks.example.com');

      // Without a key, every request acts.
      await create(undefined, body);
      await create(undefined, body);
      expect(await countSubscriptions(tenant.id)).toBe(before + 3);
    });

    it('refuses the same key with a different body with 422 and changes nothing', async () => {
      const key = `k-${randomUUID()}`;
      expect(
        (await create(key, { url: 'https://hooks.example.com/a', eventTypes: ['workflow.created'] })).statusCode,
      ).toBe(201);
      const before = await countSubscriptions(tenant.id);
      const reused = await create(key, { url: 'https://hooks.example.com/b', eventTypes: ['workflow.created'] });
      expect(reused.statusCode).toBe(422);
      expect(reused.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(reused.json().code).toBe('IDEMPOTENCY_KEY_REUSED');
      expect(await countSubscriptions(tenant.id)).toBe(before);
    });

    it('keeps keys per credential: another user may use the same key', async () => {
      const key = `k-${randomUUID()}`;
      const body = { url: 'https://hooks.example.com/shared', eventTypes: ['workflow.created'] };
      const mine = await create(key, body);
      const theirs = await create(key, body, bearer(tenant.users.ADMIN!.accessToken));
      expect(theirs.statusCode).toBe(201);
      expect(theirs.headers['idempotent-replayed']).toBeUndefined();
      expect(theirs.json().id).not.toBe(mine.json().id);
    });

    it('runs one of many concurrent requests with the same key', async () => {
      const before = await countSubscriptions(tenant.id);
      const key = `k-${randomUUID()}`;
      const body = { url: 'https://hooks.example.com/race', eventTypes: ['workflow.created'] };
      const answers = await Promise.all(Array.from({ length: 12 }, () => create(key, body)));
      expect(await countSubscriptions(tenant.id)).toBe(before + 1);
      const fresh = answers.filter((a) => a.statusCode === 201 && !a.headers['idempotent-replayed']);
      expect(fresh).toHaveLength(1);
      for (const answer of answers) {
        if (answer.statusCode === 201) expect(answer.json().id).toBe(fresh[0].json().id);
        else {
          expect(answer.statusCode).toBe(409);
          expect(answer.json().code).toBe('IDEMPOTENCY_REQUEST_IN_PROGRESS');
        }
      }
    });

    it('replays a client error (4xx) with the same problem', async () => {
      const key = `k-${randomUUID()}`;
      // Passes validation, then the service refuses the private host: a 4xx worth remembering.
      const body = { url: 'https://10.0.0.8/hook', eventTypes: ['workflow.created'] };
      const first = await create(key, body);
      expect(first.statusCode).toBe(400);
      expect(first.json().code).toBe('WEBHOOK_URL_REFUSED');
      const second = await create(key, body);
      expect(second.statusCode).toBe(400);
      expect(second.headers['idempotent-replayed']).toBe('true');
      expect(second.json()).toMatchObject({
        code: 'WEBHOOK_URL_REFUSED',
        errors: first.json().errors,
        detail: first.json().detail,
      });
    });

    it('refuses malformed keys with 400', async () => {
      const body = { url: 'https://hooks.example.com/x', eventTypes: ['workflow.created'] };
      for (const key of ['', 'a'.repeat(256), 'has space', 'tab\tkey']) {
        const res = await create(key, body);
        expect({ key, status: res.statusCode }).toEqual({ key, status: 400 });
      }
      expect((await create('a'.repeat(255), body)).statusCode).toBe(201);
    });
  });

  describe('IdempotencyService', () => {
    const request = (key: string, body: unknown = { a: 1 }) => ({
      tenantId: tenant.id,
      ownerId: tenant.users.OWNER!.userId,
      operation: 'TEST op',
      key,
      request: body,
    });

    it('releases the claim after a server fault so a retry runs again', async () => {
      const service = api.get(IdempotencyService);
      const key = randomUUID();
      await expect(service.run(request(key), () => Promise.reject(new Error('database fell over')))).rejects.toThrow(
        'database fell over',
      );
      let runs = 0;
      const retry = await service.run(request(key), async () => ({ status: 201, body: { run: ++runs } }));
      expect(retry).toEqual({ status: 201, body: { run: 1 }, replayed: false });
      const replay = await service.run(request(key), async () => ({ status: 201, body: { run: ++runs } }));
      expect(replay).toEqual({ status: 201, body: { run: 1 }, replayed: true });
      expect(runs).toBe(1);
    });

    it('answers 409 while the first request runs, then replays', async () => {
      const service = api.get(IdempotencyService);
      const key = randomUUID();
      let finish!: () => void;
      const first = service.run(request(key), async () => {
        await new Promise<void>((resolve) => (finish = resolve));
        return { status: 200, body: { done: true } };
      });
      await waitFor('the claim', async () =>
        asOwner(async (c) => (await c.query('SELECT 1 FROM idempotency_keys WHERE key = $1', [key])).rowCount),
      );
      await expect(service.run(request(key), async () => ({ status: 200, body: {} }))).rejects.toMatchObject({
        status: 409,
        code: 'IDEMPOTENCY_REQUEST_IN_PROGRESS',
      });
      finish();
      expect(await first).toEqual({ status: 200, body: { done: true }, replayed: false });
      expect(await service.run(request(key), async () => ({ status: 200, body: {} }))).toMatchObject({
        body: { done: true },
        replayed: true,
      });
    });

    it('treats an expired key as absent', async () => {
      const service = api.get(IdempotencyService);
      const key = randomUUID();
      await service.run(request(key, { v: 1 }), async () => ({ status: 201, body: { v: 1 } }));
      await asOwner((c) =>
        c.query("UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = $1", [key]),
      );
      // A different body would be 422 while the key lives; expired, it is a new request.
      expect(await service.run(request(key, { v: 2 }), async () => ({ status: 201, body: { v: 2 } }))).toEqual({
        status: 201,
        body: { v: 2 },
        replayed: false,
      });
      const rows = await asOwner(
        async (c) =>
          (await c.query('SELECT expires_at > now() AS live FROM idempotency_keys WHERE key = $1', [key])).rows,
      );
      expect(rows).toEqual([{ live: true }]);
    });
  });

  describe('purge job', () => {
    let worker: NestFastifyApplication;
    beforeAll(async () => {
      worker = await startWorker();
    });
    afterAll(() => worker.close());

    it('is scheduled hourly and deletes expired keys only, in every tenant', async () => {
      const queue = worker.get<Queue>(getQueueToken(MAINTENANCE_QUEUE));
      await waitFor('the repeatable purge', async () =>
        (await queue.getRepeatableJobs()).some((j) => j.name === 'idempotency-purge' && Number(j.every) === 3_600_000),
      );
      const service = api.get(IdempotencyService);
      const expired = [randomUUID(), randomUUID()];
      const live = randomUUID();
      for (const key of [...expired, live]) {
        await service.run(
          { tenantId: tenant.id, ownerId: tenant.users.OWNER!.userId, operation: 'purge', key, request: {} },
          async () => ({ status: 200, body: {} }),
        );
      }
      await asOwner((c) =>
        c.query("UPDATE idempotency_keys SET expires_at = now() - interval '1 hour' WHERE key = ANY($1)", [expired]),
      );
      await queue.add('idempotency-purge', {});
      await waitFor('the purge', async () =>
        asOwner(
          async (c) => (await c.query('SELECT 1 FROM idempotency_keys WHERE key = ANY($1)', [expired])).rowCount === 0,
        ),
      );
      expect(
        await asOwner(async (c) => (await c.query('SELECT 1 FROM idempotency_keys WHERE key = $1', [live])).rowCount),
      ).toBe(1);
    });
  });
});
