import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes, randomUUID } from 'node:crypto';
import { sha256 } from '@itinera/platform';
import { startApi, startWorker, waitFor } from '../support/test-apps';
import {
  asOwner,
  bearer,
  createApiKey,
  createPlatformAdmin,
  createTenant,
  type TestTenant,
} from '../support/identity-fixtures';
import { createWorkflow, tokenOf, type CreatedWorkflow, type RecipientInput } from '../support/workflow-fixtures';
import { linkIn, NotificationSink } from '../support/notification-sink';

const BASE_URL = 'https://sign.example.test';
const unique = () => randomBytes(4).toString('hex');
const phone = () => `+1555${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;

const route = (): RecipientInput[] => [
  { type: 'PRESCRIBER', name: 'Dr. Ada Prescriber', email: `ada-${unique()}@example.test`, phone: phone() },
  { type: 'PHARMACY', name: 'Corner Pharmacy', email: `pharmacy-${unique()}@example.test` },
];

const prescriberForm = {
  formData: { fullName: 'Ada Prescriber', npi: '1234567893', signature: 'Ada Prescriber', consent: true },
};

describe("creator's controls over recipients", () => {
  const sink = new NotificationSink();
  let api: NestFastifyApplication;
  let worker: NestFastifyApplication;
  let tenant: TestTenant;
  let otherTenant: TestTenant;

  beforeAll(async () => {
    api = await startApi({ ...sink.env(), PUBLIC_BASE_URL: BASE_URL });
    worker = await startWorker({ ...sink.env(), PUBLIC_BASE_URL: BASE_URL, OUTBOX_POLL_INTERVAL_MS: '100' });
    const admin = await createPlatformAdmin(api);
    tenant = await createTenant(api, admin, ['OWNER', 'ADMIN', 'MANAGER', 'MEMBER', 'VIEWER']);
    otherTenant = await createTenant(api, admin, ['OWNER']);
  });
  afterAll(async () => {
    await worker.close();
    await api.close();
    await sink.remove();
  });

  const creator = () => bearer(tenant.users.MEMBER!.accessToken);
  const call = (
    method: 'GET' | 'POST',
    url: string,
    headers: Record<string, string> = creator(),
    payload?: Record<string, unknown>,
  ) => api.inject({ method, url, headers, ...(payload ? { payload } : {}) });
  const resend = (w: CreatedWorkflow, index: number, headers = creator()) =>
    call('POST', `/workflows/${w.id}/recipients/${w.recipients[index].id}/resend`, headers);
  const reassign = (w: CreatedWorkflow, index: number, body: Record<string, unknown>, headers = creator()) =>
    call('POST', `/workflows/${w.id}/recipients/${w.recipients[index].id}/reassign`, headers, body);
  const view = (link: string) => api.inject({ method: 'GET', url: `/r/${tokenOf(link)}` });
  const auditOf = (sessionId: string, action: string) =>
    asOwner(
      async (c) =>
        (
          await c.query<{ before: unknown; after: unknown; metadata: Record<string, unknown>; actor_id: string }>(
            `SELECT before, after, metadata, actor_id FROM audit_log
              WHERE resource_type = 'workflow' AND resource_id = $1 AND action = $2`,
            [sessionId, action],
          )
        ).rows,
    );

  describe('resend', () => {
    it('issues a new link, kills the old one at once, sends the new one and audits it', async () => {
      const recipients = route();
      const w = await createWorkflow(api, tenant.users.MEMBER!, { recipients });
      const [first] = await sink.waitFor(recipients[0].email!);
      expect(linkIn(first)).toBe(w.recipients[0].link);

      const response = await resend(w, 0);
      expect(response.statusCode).toBe(200);
      const renewed = response.json<{ recipientId: string; link: string; notified: boolean; status: string }>();
      expect(renewed).toMatchObject({ recipientId: w.recipients[0].id, notified: true, status: 'PENDING' });
      expect(renewed.link).toMatch(/^https:\/\/sign\.example\.test\/r\/[a-z2-7]{32}$/);
      expect(renewed.link).not.toBe(w.recipients[0].link);

      // Only the new token's hash is stored; the old link is dead, the new one works.
      const [row] = await asOwner(
        async (c) =>
          (
            await c.query<{ token_hash: Buffer }>('SELECT token_hash FROM recipients WHERE id = $1', [
              renewed.recipientId,
            ])
          ).rows,
      );
      expect(row.token_hash.equals(sha256(tokenOf(renewed.link)))).toBe(true);
      const stale = await asOwner(
        async (c) =>
          (await c.query('SELECT 1 FROM recipients WHERE token_hash = $1', [sha256(tokenOf(w.recipients[0].link))]))
            .rowCount,
      );
      expect(stale).toBe(0);
      expect((await view(w.recipients[0].link)).statusCode).toBe(404);
      expect((await view(renewed.link)).statusCode).toBe(200);

      // The new link went out by email and SMS.
      const mails = await sink.waitFor(recipients[0].email!, 2);
      expect(linkIn(mails[1])).toBe(renewed.link);
      const sms = await sink.waitFor(recipients[0].phone!, 2);
      expect(linkIn(sms[1])).toBe(renewed.link);

      const [audit] = await auditOf(w.id, 'recipient.link_resent');
      expect(audit.metadata).toMatchObject({ recipientId: renewed.recipientId, notified: true });
      expect(audit.actor_id).toBe(tenant.users.MEMBER!.userId);
      expect(JSON.stringify(audit)).not.toContain(tokenOf(renewed.link));
    });

    it('renews the link of a recipient whose turn has not come without sending it', async () => {
      const recipients = route();
      const w = await createWorkflow(api, tenant.users.MEMBER!, { recipients });
      const response = await resend(w, 1);
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ notified: false });
      await sink.waitFor(recipients[0].email!);
      expect(await sink.to(recipients[1].email!)).toEqual([]);
      expect((await view(w.recipients[1].link)).statusCode).toBe(404);
    });

    it("lets a tenant admin and the creating API key resend, but not another member, a viewer or another tenant's owner", async () => {
      const w = await createWorkflow(api, tenant.users.MEMBER!, { recipients: route() });
      expect((await resend(w, 0, bearer(tenant.users.MANAGER!.accessToken))).statusCode).toBe(403);
      expect((await resend(w, 0, bearer(tenant.users.VIEWER!.accessToken))).statusCode).toBe(403);
      expect((await resend(w, 0, bearer(otherTenant.users.OWNER!.accessToken))).statusCode).toBe(404);
      expect((await resend(w, 0, bearer(tenant.users.ADMIN!.accessToken))).statusCode).toBe(200);

      const key = await createApiKey(api, tenant, ['read', 'write']);
      const byKey = await createWorkflow(api, key, { recipients: route() });
      expect((await resend(byKey, 0, bearer(key.key))).statusCode).toBe(200);
      expect((await resend(w, 0, bearer(key.key))).statusCode).toBe(403);
      const readOnly = await createApiKey(api, tenant, ['read']);
      expect((await resend(byKey, 0, bearer(readOnly.key))).statusCode).toBe(403);
    });

    it('answers 404 for an unknown or foreign recipient, 400 for a malformed id', async () => {
      const w = await createWorkflow(api, tenant.users.MEMBER!, { recipients: route() });
      const other = await createWorkflow(api, tenant.users.MEMBER!, { recipients: route() });
      const unknown = await call('POST', `/workflows/${w.id}/recipients/${randomUUID()}/resend`);
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json()).toMatchObject({ code: 'RECIPIENT_NOT_FOUND' });
      expect((await call('POST', `/workflows/${w.id}/recipients/${other.recipients[0].id}/resend`)).statusCode).toBe(
        404,
      );
      expect(
        (await call('POST', `/workflows/${randomUUID()}/recipients/${w.recipients[0].id}/resend`)).statusCode,
      ).toBe(404);
      const malformed = await call('POST', `/workflows/${w.id}/recipients/not-a-uuid/resend`);
      expect(malformed.statusCode).toBe(400);
    });

    it('refuses with 409 for a finished recipient, a cancelled workflow and an expired one, changing nothing', async () => {
      const recipients = route();
      const w = await createWorkflow(api, tenant.users.MEMBER!, { recipients });
      const done = await api.inject({
        method: 'POST',
        url: `/r/${tokenOf(w.recipients[0].link)}/complete`,
        payload: prescriberForm,
      });
      expect(done.statusCode).toBeLessThan(300);
      const finished = await resend(w, 0);
      expect(finished.statusCode).toBe(409);
      expect(finished.json()).toMatchObject({ code: 'RECIPIENT_FINISHED' });

      const expiring = await createWorkflow(api, tenant.users.MEMBER!, { recipients: route() });
      await asOwner((c) =>
        c.query("UPDATE workflow_sessions SET expires_at = now() - interval '1 minute' WHERE id = $1", [expiring.id]),
      );
      expect((await resend(expiring, 0)).statusCode).toBe(409);

      const cancelled = await createWorkflow(api, tenant.users.MEMBER!, { recipients: route() });
      expect((await call('POST', `/workflows/${cancelled.id}/cancel`, creator(), { reason: 'x' })).statusCode).toBe(
        200,
      );
      const refused = await resend(cancelled, 1);
      expect(refused.statusCode).toBe(409);
      expect(await auditOf(cancelled.id, 'recipient.link_resent')).toEqual([]);
      const [row] = await asOwner(
        async (c) =>
          (
            await c.query<{ token_hash: Buffer }>('SELECT token_hash FROM recipients WHERE id = $1', [
              cancelled.recipients[1].id,
            ])
          ).rows,
      );
      expect(row.token_hash.equals(sha256(tokenOf(cancelled.recipients[1].link)))).toBe(true);
    });
  });

  describe('reassign', () => {
    it('keeps the previous person in the history, kills the old link and sends a new one to the new contact', async () => {
      const recipients = route();
      const w = await createWorkflow(api, tenant.users.MEMBER!, { recipients });
      await sink.waitFor(recipients[0].email!);
      // The first person opened the link and saved a draft.
      await api.inject({ method: 'GET', url: `/r/${tokenOf(w.recipients[0].link)}` });
      const draft = await api.inject({
        method: 'PATCH',
        url: `/r/${tokenOf(w.recipients[0].link)}/draft`,
        payload: { formData: { fullName: 'Ada Prescriber' } },
      });
      expect(draft.statusCode).toBe(200);
      const newEmail = `Bob-${unique()}@Example.test`;

      const response = await reassign(w, 0, { name: 'Dr. Bob Other', email: newEmail, reason: 'Ada is on leave' });
      expect(response.statusCode).toBe(200);
      const body = response.json<{ assignmentId: string; link: string; notified: boolean; status: string }>();
      expect(body).toMatchObject({ notified: true, status: 'PENDING' });
      expect((await view(w.recipients[0].link)).statusCode).toBe(404);

      const [row] = await asOwner(
        async (c) =>
          (
            await c.query<{
              name: string;
              email: string;
              phone: string | null;
              status: string;
              form_data: unknown;
              token_hash: Buffer;
            }>('SELECT name, email, phone, status, form_data, token_hash FROM recipients WHERE id = $1', [
              w.recipients[0].id,
            ])
          ).rows,
      );
      expect(row).toMatchObject({
        name: 'Dr. Bob Other',
        email: newEmail.toLowerCase(),
        phone: null,
        status: 'PENDING',
      });
      expect(row.token_hash.equals(sha256(tokenOf(body.link)))).toBe(true);

      const [mail] = await sink.waitFor(newEmail.toLowerCase());
      expect(linkIn(mail)).toBe(body.link);
      expect(mail.text).toContain('Dr. Bob Other');

      const history = await call('GET', `/workflows/${w.id}/recipients/${w.recipients[0].id}/assignments`);
      expect(history.statusCode).toBe(200);
      expect(history.json().data).toEqual([
        expect.objectContaining({
          id: body.assignmentId,
          name: 'Dr. Ada Prescriber',
          email: recipients[0].email,
          phone: recipients[0].phone,
          reason: 'Ada is on leave',
          replacedBy: tenant.users.MEMBER!.userId,
        }),
      ]);

      const [audit] = await auditOf(w.id, 'recipient.reassigned');
      expect(audit.metadata).toMatchObject({ recipientId: w.recipients[0].id, assignmentId: body.assignmentId });
      const logged = JSON.stringify(audit);
      for (const secret of [recipients[0].email!, recipients[0].phone!, newEmail.toLowerCase(), tokenOf(body.link)]) {
        expect(logged).not.toContain(secret);
      }

      // A second reassignment adds to the history, newest first.
      const again = await reassign(w, 0, { phone: phone() });
      expect(again.statusCode).toBe(200);
      const both = (await call('GET', `/workflows/${w.id}/recipients/${w.recipients[0].id}/assignments`)).json();
      expect(both.data.map((a: { email: string }) => a.email)).toEqual([newEmail.toLowerCase(), recipients[0].email]);
    });

    it('refuses a reassignment without a contact or with a malformed one (400 naming the field)', async () => {
      const w = await createWorkflow(api, tenant.users.MEMBER!, { recipients: route() });
      const none = await reassign(w, 0, { name: 'Nobody' });
      expect(none.statusCode).toBe(400);
      expect(none.json().errors.map((e: { field: string }) => e.field)).toEqual(['email', 'phone']);
      const badPhone = await reassign(w, 0, { phone: '555-1234' });
      expect(badPhone.statusCode).toBe(400);
      expect(badPhone.json().errors.map((e: { field: string }) => e.field)).toContain('phone');
      const badEmail = await reassign(w, 0, { email: 'not-an-email' });
      expect(badEmail.statusCode).toBe(400);
      expect(
        await asOwner(
          async (c) =>
            (await c.query('SELECT 1 FROM recipient_assignments WHERE recipient_id = $1', [w.recipients[0].id]))
              .rowCount,
        ),
      ).toBe(0);
    });

    it('drops messages still queued for the old contact', async () => {
      const w = await createWorkflow(api, tenant.users.MEMBER!, { recipients: route() });
      const [{ id }] = await asOwner(
        async (c) =>
          (
            await c.query<{ id: string }>(
              `INSERT INTO notification_messages (tenant_id, session_id, recipient_id, kind, channel, to_address)
               VALUES ($1, $2, $3, 'reminder', 'EMAIL', 'old@example.test') RETURNING id`,
              [tenant.id, w.id, w.recipients[0].id],
            )
          ).rows,
      );
      expect((await reassign(w, 0, { email: `new-${unique()}@example.test` })).statusCode).toBe(200);
      const [row] = await asOwner(
        async (c) =>
          (
            await c.query<{ status: string; last_error: string }>(
              'SELECT status, last_error FROM notification_messages WHERE id = $1',
              [id],
            )
          ).rows,
      );
      expect(row).toEqual({ status: 'FAILED', last_error: 'recipient reassigned' });
    });
  });

  describe('notification state', () => {
    it("shows the recipient's counters and masked messages, newest first, in cursor pages", async () => {
      const recipients = route();
      const w = await createWorkflow(api, tenant.users.MEMBER!, { recipients });
      const url = `/workflows/${w.id}/recipients/${w.recipients[0].id}/notifications`;
      await waitFor('both links SENT', async () => {
        const body = (await call('GET', url)).json();
        return body.data?.length === 2 && body.data.every((m: { status: string }) => m.status === 'SENT');
      });
      expect((await resend(w, 0)).statusCode).toBe(200);
      const all = await waitFor('four messages SENT', async () => {
        const body = (await call('GET', url)).json();
        return body.data?.length === 4 && body.data.every((m: { status: string }) => m.status === 'SENT')
          ? body
          : undefined;
      });
      expect(all.state).toMatchObject({
        recipientId: w.recipients[0].id,
        reminderCount: 0,
        retryCount: 0,
        errorMessage: null,
      });
      expect(all.state.emailSentAt).not.toBeNull();
      expect(all.state.smsSentAt).not.toBeNull();
      const createdAt = all.data.map((m: { createdAt: string }) => m.createdAt);
      expect([...createdAt].sort().reverse()).toEqual(createdAt);
      for (const m of all.data) {
        expect(m).toMatchObject({ kind: 'link', status: 'SENT', attempts: 1, lastError: null });
        expect(m.to).not.toBe(recipients[0].email);
        expect(m.to).not.toBe(recipients[0].phone);
      }
      expect(all.data.map((m: { to: string }) => m.to)).toContain(`a***@example.test`);

      const first = (await call('GET', `${url}?limit=3`)).json();
      expect(first.data).toHaveLength(3);
      const rest = (await call('GET', `${url}?limit=3&cursor=${first.page.nextCursor}`)).json();
      expect(rest.data).toHaveLength(1);
      expect(rest.page.nextCursor).toBeNull();
      expect([...first.data, ...rest.data].map((m: { id: string }) => m.id)).toEqual(
        all.data.map((m: { id: string }) => m.id),
      );

      expect((await call('GET', url, bearer(tenant.users.MANAGER!.accessToken))).statusCode).toBe(403);
      expect((await call('GET', url, bearer(tenant.users.OWNER!.accessToken))).statusCode).toBe(200);
      expect((await call('GET', `${url}?cursor=bogus`)).statusCode).toBe(400);
    });
  });
});
