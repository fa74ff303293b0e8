import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sha256 } from '@itinera/platform';
import { PrismaService } from '@itinera/prisma';
import { NOTIFICATIONS_QUEUE, OutboxService } from '@itinera/queues';
import { RecipientNotifyService } from '@itinera/recipients';
import { startApi, startWorker, waitFor } from '../support/test-apps';
import {
  asOwner,
  bearer,
  createApiKey,
  createPlatformAdmin,
  createTenant,
  type TestTenant,
} from '../support/identity-fixtures';
import { createWorkflow, tokenOf, type RecipientInput } from '../support/workflow-fixtures';
import { codeIn, linkIn, NotificationSink, tokenIn } from '../support/notification-sink';

const BASE_URL = 'https://sign.example.test';
const unique = () => randomBytes(4).toString('hex');
/** A phone number of its own per test (E.164, +1555 then 7 digits). */
const phone = () => `+1555${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;

interface MessageRow {
  id: string;
  recipient_id: string | null;
  kind: string;
  channel: string;
  to_address: string;
  status: string;
  attempts: number;
  last_error: string | null;
  provider_message_id: string | null;
  sent_at: Date | null;
}

const messagesOf = (sessionId: string) =>
  asOwner(
    async (c) =>
      (
        await c.query<MessageRow>(
          `SELECT id, recipient_id, kind, channel, to_address, status, attempts, last_error, provider_message_id, sent_at
             FROM notification_messages WHERE session_id = $1 ORDER BY created_at, channel`,
          [sessionId],
        )
      ).rows,
  );

const recipientRow = (id: string) =>
  asOwner(
    async (c) =>
      (
        await c.query<{
          email_sent_at: Date | null;
          sms_sent_at: Date | null;
          retry_count: number;
          error_message: string | null;
          token_hash: Buffer;
        }>('SELECT email_sent_at, sms_sent_at, retry_count, error_message, token_hash FROM recipients WHERE id = $1', [
          id,
        ])
      ).rows[0],
  );

/** Two recipients; the first reachable by email and phone. */
const route = (firstPhone = phone()): RecipientInput[] => [
  { type: 'PRESCRIBER', name: 'Dr. Ada Prescriber', email: `ada-${unique()}@example.test`, phone: firstPhone },
  { type: 'PHARMACY', name: 'Corner Pharmacy', email: `pharmacy-${unique()}@example.test` },
];

describe('recipient notifications', () => {
  const sink = new NotificationSink();
  let api: NestFastifyApplication;
  let tenant: TestTenant;

  beforeAll(async () => {
    api = await startApi({ ...sink.env(), PUBLIC_BASE_URL: BASE_URL });
    tenant = await createTenant(api, await createPlatformAdmin(api), ['OWNER', 'ADMIN', 'MEMBER']);
  });
  afterAll(async () => {
    await api.close();
    await sink.remove();
  });

  describe('through the file transport', () => {
    let worker: NestFastifyApplication;
    beforeAll(async () => {
      worker = await startWorker({ ...sink.env(), PUBLIC_BASE_URL: BASE_URL, OUTBOX_POLL_INTERVAL_MS: '100' });
    });
    afterAll(() => worker.close());

    it('sends the first recipient their link by email and SMS, records both as SENT, and the link works', async () => {
      const recipients = route();
      const created = await createWorkflow(api, tenant.users.MEMBER!, { recipients });
      const [first, second] = created.recipients;

      const [mail] = await sink.waitFor(recipients[0].email!);
      const [sms] = await sink.waitFor(recipients[0].phone!);
      expect(mail.channel).toBe('EMAIL');
      expect(mail.subject).toBe('A document is waiting for you');
      expect(linkIn(mail)).toBe(first.link);
      expect(sms.channel).toBe('SMS');
      expect(linkIn(sms)).toBe(first.link);
      // The token in the message is the one whose hash the database holds.
      expect((await recipientRow(first.id)).token_hash.equals(sha256(tokenIn(mail)!))).toBe(true);

      const rows = await waitFor('both messages SENT', async () => {
        const all = await messagesOf(created.id);
        return all.length === 2 && all.every((m) => m.status === 'SENT') ? all : undefined;
      });
      expect(rows.map((m) => [m.recipient_id, m.kind, m.channel, m.attempts])).toEqual([
        [first.id, 'link', 'EMAIL', 1],
        [first.id, 'link', 'SMS', 1],
      ]);
      expect(rows.map((m) => m.provider_message_id)).toEqual([mail.providerMessageId, sms.providerMessageId]);
      const state = await recipientRow(first.id);
      expect(state.email_sent_at).not.toBeNull();
      expect(state.sms_sent_at).not.toBeNull();
      expect(state.retry_count).toBe(0);

      // Nobody else was told: it is not the second recipient's turn.
      expect(await sink.to(recipients[1].email!)).toEqual([]);
      expect(rows.some((m) => m.recipient_id === second.id)).toBe(false);

      const view = await api.inject({ method: 'GET', url: `/r/${tokenOf(linkIn(mail)!)}` });
      expect(view.statusCode).toBe(200);
    });

    it('does not queue the same link twice when recipient-notify runs again', async () => {
      const recipients = route();
      const created = await createWorkflow(api, tenant.users.MEMBER!, { recipients });
      await sink.waitFor(recipients[0].email!);
      const notify = worker.get(RecipientNotifyService);
      const data = { tenantId: tenant.id, recipientId: created.recipients[0].id, kind: 'link' as const };
      const again = await Promise.all([notify.notifyRecipient(data), notify.notifyRecipient(data)]);
      expect(again).toEqual([
        { queued: 0, skipped: 'already queued' },
        { queued: 0, skipped: 'already queued' },
      ]);
      // Nor the recipient whose turn it is not.
      expect(
        await notify.notifyRecipient({ tenantId: tenant.id, recipientId: created.recipients[1].id, kind: 'link' }),
      ).toEqual({ queued: 0, skipped: 'not their turn' });
      expect(await messagesOf(created.id)).toHaveLength(2);
    });

    it('hands over: once the first recipient completed, the next one receives their link; the creator hears of the completion', async () => {
      const recipients = route();
      const created = await createWorkflow(api, tenant.users.MEMBER!, { recipients });
      const [mail] = await sink.waitFor(recipients[0].email!);
      const complete = await api.inject({
        method: 'POST',
        url: `/r/${tokenIn(mail)}/complete`,
        payload: {
          formData: { fullName: 'Ada Prescriber', npi: '1234567893', signature: 'Ada Prescriber', consent: true },
        },
      });
      expect(complete.statusCode).toBeLessThan(300);
      const [next] = await sink.waitFor(recipients[1].email!);
      expect(linkIn(next)).toBe(created.recipients[1].link);

      // The last completion completes the workflow, and its creator is told.
      const last = await api.inject({
        method: 'POST',
        url: `/r/${tokenIn(next)}/complete`,
        payload: { formData: { name: 'Corner Pharmacy', ncpdpId: '1234567' } },
      });
      expect(last.statusCode).toBeLessThan(300);
      const [notice] = await sink.waitFor(tenant.users.MEMBER!.email, 1, (m) => m.text.includes(created.id));
      expect(notice.subject).toBe(`Workflow ${created.id}: COMPLETED`);
      expect(notice.text).toContain('was completed by every recipient');
    });

    it('drops a queued link that died before it was sent (session cancelled), without retrying', async () => {
      const recipients = route();
      const created = await createWorkflow(api, tenant.users.MEMBER!, { recipients });
      await sink.waitFor(recipients[0].email!, 1);
      const cancel = await api.inject({
        method: 'POST',
        url: `/workflows/${created.id}/cancel`,
        headers: bearer(tenant.users.MEMBER!.accessToken),
        payload: { reason: 'test' },
      });
      expect(cancel.statusCode).toBe(200);
      // A message recorded as if queued just before the cancel, then sent after it.
      const prisma = worker.get(PrismaService);
      const outbox = worker.get(OutboxService);
      const [{ id }] = await asOwner(
        async (c) =>
          (
            await c.query<{ id: string }>(
              `INSERT INTO notification_messages (tenant_id, session_id, recipient_id, kind, channel, to_address)
               VALUES ($1, $2, $3, 'link', 'EMAIL', $4) RETURNING id`,
              [tenant.id, created.id, created.recipients[0].id, recipients[0].email],
            )
          ).rows,
      );
      await prisma.tenantTransaction(
        (tx) =>
          outbox.enqueue(tx, {
            queue: NOTIFICATIONS_QUEUE,
            job: 'notification-send',
            data: { tenantId: tenant.id, notificationId: id },
          }),
        { tenantId: tenant.id },
      );
      const dropped = await waitFor('the message FAILED', async () => {
        const row = (await messagesOf(created.id)).find((m) => m.id === id);
        return row?.status === 'FAILED' ? row : undefined;
      });
      expect(dropped).toMatchObject({ last_error: 'link no longer valid', attempts: 0 });
      expect(await sink.to(recipients[0].email!)).toHaveLength(1);
      // And recipient-notify no longer queues anything for it.
      expect(
        await worker
          .get(RecipientNotifyService)
          .notifyRecipient({ tenantId: tenant.id, recipientId: created.recipients[0].id, kind: 'link' }),
      ).toEqual({ queued: 0, skipped: 'session not active' });
    });

    it('tells the creator (a user) by email when a recipient declines, once', async () => {
      const recipients = route();
      const created = await createWorkflow(api, tenant.users.MEMBER!, { recipients });
      const [mail] = await sink.waitFor(recipients[0].email!);
      const decline = await api.inject({
        method: 'POST',
        url: `/r/${tokenIn(mail)}/decline`,
        payload: { reason: 'not my patient' },
      });
      expect(decline.statusCode).toBeLessThan(300);
      const [notice] = await sink.waitFor(tenant.users.MEMBER!.email, 1, (m) => m.text.includes(created.id));
      expect(notice.subject).toBe(`Workflow ${created.id}: CANCELLED`);
      expect(notice.text).toContain('declined');
      const rows = await waitFor('the creator message SENT', async () => {
        const found = (await messagesOf(created.id)).filter((m) => m.recipient_id === null);
        return found.length === 1 && found[0].status === 'SENT' ? found : undefined;
      });
      expect(rows[0]).toMatchObject({ kind: 'declined', channel: 'EMAIL', to_address: tenant.users.MEMBER!.email });
      // A second run of the job adds nothing.
      expect(
        await worker
          .get(RecipientNotifyService)
          .notifyCreator({ tenantId: tenant.id, sessionId: created.id, kind: 'declined' }),
      ).toEqual({ queued: 0, skipped: 'already queued' });
    });

    it('sends a verification code by SMS, which confirms, and erases its ciphertext once sent', async () => {
      const patientPhone = phone();
      const recipients: RecipientInput[] = [
        { type: 'PATIENT', name: 'Pat Patient', email: `pat-${unique()}@example.test`, phone: patientPhone },
      ];
      const created = await createWorkflow(api, tenant.users.MEMBER!, { recipients });
      const token = tokenOf(created.recipients[0].link);
      await sink.waitFor(patientPhone);
      const asked = await api.inject({ method: 'POST', url: `/r/${token}/verification`, payload: { channel: 'SMS' } });
      expect(asked.statusCode).toBe(202);

      const [sms] = await sink.waitFor(patientPhone, 1, (m) => m.text.startsWith('Your verification code'));
      const code = codeIn(sms)!;
      expect(code).toMatch(/^\d{6}$/);
      await waitFor('the code message SENT', async () =>
        (await messagesOf(created.id)).some((m) => m.kind === 'verification-code' && m.status === 'SENT'),
      );
      const [verification] = await asOwner(
        async (c) =>
          (
            await c.query<{ code_ciphertext: string | null }>(
              'SELECT code_ciphertext FROM recipient_verifications WHERE recipient_id = $1',
              [created.recipients[0].id],
            )
          ).rows,
      );
      expect(verification.code_ciphertext).toBeNull();
      // The code alone is in the SMS; no link.
      expect(tokenIn(sms)).toBeUndefined();

      const confirmed = await api.inject({
        method: 'POST',
        url: `/r/${token}/verification/confirm`,
        payload: { code },
      });
      expect(confirmed.statusCode).toBe(200);
      expect(confirmed.json().verificationToken).toEqual(expect.any(String));
    });

    it('sends nothing to a creator that is an API key (no address)', async () => {
      const key = await createApiKey(api, tenant, ['read', 'write']);
      const created = await createWorkflow(api, key, { recipients: route() });
      const outcome = await worker
        .get(RecipientNotifyService)
        .notifyCreator({ tenantId: tenant.id, sessionId: created.id, kind: 'cancelled' });
      expect(outcome).toEqual({ queued: 0, skipped: 'created with an API key: no address' });
      expect((await messagesOf(created.id)).filter((m) => m.recipient_id === null)).toEqual([]);
    });
  });

  describe('with an SMS hook that fails', () => {
    let worker: NestFastifyApplication;
    let hook: Server;
    const hookCalls: { to: string; body: string }[] = [];

    beforeAll(async () => {
      hook = createServer((req, res) => {
        let raw = '';
        req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
        req.on('end', () => {
          hookCalls.push(JSON.parse(raw) as { to: string; body: string });
          res.writeHead(500).end('provider down');
        });
      });
      await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
      worker = await startWorker({
        ...sink.env(),
        PUBLIC_BASE_URL: BASE_URL,
        OUTBOX_POLL_INTERVAL_MS: '100',
        SMS_WEBHOOK_URL: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/sms`,
        NOTIFY_SEND_ATTEMPTS: '3',
      });
    });
    afterAll(async () => {
      await worker.close();
      hook.closeAllConnections();
      await new Promise((resolve) => hook.close(resolve));
    });

    it('retries the SMS with backoff, records each failure on the recipient, and marks it FAILED after the last attempt', async () => {
      const recipients = route();
      const created = await createWorkflow(api, tenant.users.MEMBER!, { recipients });
      const first = created.recipients[0];

      const failed = await waitFor(
        'the SMS message FAILED',
        async () => {
          const sms = (await messagesOf(created.id)).find((m) => m.channel === 'SMS');
          return sms?.status === 'FAILED' ? sms : undefined;
        },
        30_000,
      );
      expect(failed).toMatchObject({ attempts: 3, last_error: 'SMS delivery failed: SMS hook answered HTTP 500' });
      expect(failed.sent_at).toBeNull();
      const calls = hookCalls.filter((c) => c.to === recipients[0].phone);
      expect(calls).toHaveLength(3);
      expect(calls[0].body).toContain(first.link);

      // The email went out; the recipient carries the SMS failures.
      const mail = (await messagesOf(created.id)).find((m) => m.channel === 'EMAIL');
      expect(mail?.status).toBe('SENT');
      const state = await recipientRow(first.id);
      expect(state.retry_count).toBe(3);
      expect(state.error_message).toBe('SMS delivery failed: SMS hook answered HTTP 500');
      expect(state.email_sent_at).not.toBeNull();
      expect(state.sms_sent_at).toBeNull();
    });
  });
});
