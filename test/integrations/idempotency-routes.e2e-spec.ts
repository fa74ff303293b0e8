import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { startApi } from '../support/test-apps';
import { asOwner, bearer, createPlatformAdmin, createTenant, type TestTenant } from '../support/identity-fixtures';
import { createWorkflow, tokenOf, workflowBody } from '../support/workflow-fixtures';
import { VALID_FORMS } from '../recipients/link-helpers';

const sessionsOf = (tenantId: string) =>
  asOwner(
    async (c) => (await c.query('SELECT 1 FROM workflow_sessions WHERE tenant_id = $1', [tenantId])).rowCount ?? 0,
  );

/** Idempotency-Key on the domain routes that accept it: creating a workflow, completing and declining through a link. */
describe('Idempotency-Key on workflow and link routes', () => {
  let api: NestFastifyApplication;
  let tenant: TestTenant;

  beforeAll(async () => {
    api = await startApi();
    tenant = await createTenant(api, await createPlatformAdmin(api), ['OWNER', 'MEMBER']);
  });
  afterAll(() => api.close());

  const createWith = (key: string, payload: object, headers = bearer(tenant.users.OWNER!.accessToken)) =>
    api.inject({ method: 'POST', url: '/workflows', headers: { ...headers, 'idempotency-key': key }, payload });

  describe('POST /workflows', () => {
    it('creates one workflow for a repeated request and answers the repeat with the first answer', async () => {
      const before = await sessionsOf(tenant.id);
      const key = randomUUID();
      const body = workflowBody();
      const first = await createWith(key, body);
      expect(first.statusCode).toBe(201);
      const second = await createWith(key, body);
      expect(second.statusCode).toBe(201);
      expect(second.headers['idempotent-replayed']).toBe('true');
      expect(second.json()).toEqual(first.json());
      expect(await sessionsOf(tenant.id)).toBe(before + 1);
      // The first answer carries the recipients' links: stored encrypted only.
      const stored = await asOwner(
        async (c) =>
          (
            await c.query(
              "SELECT response_body::text AS body FROM idempotency_keys WHERE key = $1 AND operation = 'POST /workflows'",
              [key],
            )
          ).rows,
      );
      expect(stored).toHaveLength(1);
      expect(stored[0].body).not.toContain(tokenOf(first.json().recipients[0].link));
    });

    it('refuses the same key with another body with 422', async () => {
      const key = randomUUID();
      expect((await createWith(key, workflowBody())).statusCode).toBe(201);
      const before = await sessionsOf(tenant.id);
      const reused = await createWith(key, workflowBody());
      expect(reused.statusCode).toBe(422);
      expect(reused.json().code).toBe('IDEMPOTENCY_KEY_REUSED');
      expect(await sessionsOf(tenant.id)).toBe(before);
    });

    it('runs one of ten concurrent creates with the same key', async () => {
      const before = await sessionsOf(tenant.id);
      const key = randomUUID();
      const body = workflowBody();
      const answers = await Promise.all(Array.from({ length: 10 }, () => createWith(key, body)));
      expect(await sessionsOf(tenant.id)).toBe(before + 1);
      expect(answers.filter((a) => a.statusCode === 201 && !a.headers['idempotent-replayed'])).toHaveLength(1);
      expect(answers.every((a) => a.statusCode === 201 || a.statusCode === 409)).toBe(true);
    });
  });

  describe('POST /r/:token/complete and decline', () => {
    it('replays a completion instead of answering 409 for the repeat', async () => {
      const workflow = await createWorkflow(api, tenant.users.OWNER!);
      const token = tokenOf(workflow.recipients[0].link);
      const key = randomUUID();
      const complete = () =>
        api.inject({
          method: 'POST',
          url: `/r/${token}/complete`,
          headers: { 'idempotency-key': key },
          payload: { formData: VALID_FORMS.PRESCRIBER },
        });
      const first = await complete();
      expect(first.statusCode).toBe(200);
      const again = await complete();
      expect(again.statusCode).toBe(200);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.json()).toEqual(first.json());
      // Without the key, the repeat is what it is: already completed.
      const plain = await api.inject({
        method: 'POST',
        url: `/r/${token}/complete`,
        payload: { formData: VALID_FORMS.PRESCRIBER },
      });
      expect(plain.statusCode).toBe(409);
    });

    it('refuses a decline reusing the key with another reason with 422', async () => {
      const workflow = await createWorkflow(api, tenant.users.OWNER!);
      const token = tokenOf(workflow.recipients[0].link);
      const key = randomUUID();
      const decline = (reason: string) =>
        api.inject({
          method: 'POST',
          url: `/r/${token}/decline`,
          headers: { 'idempotency-key': key },
          payload: { reason },
        });
      // Two different reasons at once with one key: one declines, the other is refused (422, or 409 while the first runs).
      const [a, b] = await Promise.all([decline('Not my patient'), decline('Wrong pharmacy')]);
      expect([a.statusCode, b.statusCode].filter((s) => s === 200)).toHaveLength(1);
      expect([a.statusCode, b.statusCode].filter((s) => s !== 200).every((s) => [404, 409, 422].includes(s))).toBe(
        true,
      );
    });
  });
});
