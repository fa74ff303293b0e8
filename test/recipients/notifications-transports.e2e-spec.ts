import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { startApi, startWorker, waitFor } from '../support/test-apps';
import { asOwner, createPlatformAdmin, createTenant, type TestTenant } from '../support/identity-fixtures';
import { createWorkflow, tokenOf } from '../support/workflow-fixtures';
import { SmtpSink } from '../support/smtp-sink';

const BASE_URL = 'https://sign.example.test';
const unique = () => randomBytes(4).toString('hex');

const sentCount = (sessionId: string) =>
  asOwner(
    async (c) =>
      (
        await c.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM notification_messages WHERE session_id = $1 AND status = 'SENT'`,
          [sessionId],
        )
      ).rows[0].n,
  );

describe('notification transports through the worker', () => {
  let api: NestFastifyApplication;
  let tenant: TestTenant;

  beforeAll(async () => {
    api = await startApi({ PUBLIC_BASE_URL: BASE_URL });
    tenant = await createTenant(api, await createPlatformAdmin(api), ['OWNER', 'MEMBER']);
  });
  afterAll(() => api.close());

  describe('NOTIFY_TRANSPORT=smtp', () => {
    const smtp = new SmtpSink();
    let worker: NestFastifyApplication;
    beforeAll(async () => {
      const url = await smtp.start();
      worker = await startWorker({
        PUBLIC_BASE_URL: BASE_URL,
        OUTBOX_POLL_INTERVAL_MS: '100',
        NOTIFY_TRANSPORT: 'smtp',
        SMTP_URL: url,
        SMTP_FROM: 'Itinera Test <no-reply@itinera.test>',
      });
    });
    afterAll(async () => {
      await worker.close();
      await smtp.stop();
    });

    it('mails the link over SMTP from SMTP_FROM and records the provider message id', async () => {
      const email = `smtp-${unique()}@example.test`;
      const created = await createWorkflow(api, tenant.users.MEMBER!, {
        recipients: [{ type: 'PRESCRIBER', name: 'Dr. Smtp', email }],
      });
      await waitFor('the mail', () => smtp.to(email).length === 1);
      const [mail] = smtp.to(email);
      expect(mail.from).toBe('no-reply@itinera.test');
      expect(mail.data).toMatch(/^Subject: A document is waiting for you$/m);
      // Quoted-printable may wrap long lines: compare without soft line breaks.
      expect(mail.data.replace(/=\r\n/g, '')).toContain(tokenOf(created.recipients[0].link));

      await waitFor('the message SENT', async () => (await sentCount(created.id)) === 1);
      const [row] = await asOwner(
        async (c) =>
          (
            await c.query<{ provider_message_id: string }>(
              'SELECT provider_message_id FROM notification_messages WHERE session_id = $1',
              [created.id],
            )
          ).rows,
      );
      expect(mail.data).toContain(`Message-ID: ${row.provider_message_id}`);
    });
  });
});
