import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import type { Client } from 'pg';
import { bearer, type TestTenant } from '../support/identity-fixtures';
import { fileUpload } from '../support/multipart';
import { defaultRecipients, tokenOf, workflowBody, type CreatedWorkflow } from '../support/workflow-fixtures';

/**
 * Rows of the workflows, recipients and integrations domains for one tenant of the isolation test,
 * made through the API as its OWNER: a webhook subscription (secrets, deliveries), a workflow created
 * with an Idempotency-Key, its first recipient completed through the link, an attachment, a
 * verification code asked for by the PATIENT, the PHARMACY reassigned. The worker then delivers the
 * webhooks, sends the notifications and scans the attachment (see `settled`).
 */
export async function seedWorkflowDomain(
  app: NestFastifyApplication,
  tenant: TestTenant,
  webhookUrl: string,
): Promise<void> {
  const owner = bearer(tenant.users.OWNER!.accessToken);
  const call = async (method: string, url: string, payload?: unknown, headers: Record<string, string> = {}) => {
    const r = await app.inject({
      method: method as 'POST',
      url,
      headers: { ...owner, ...headers },
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
    if (r.statusCode >= 300) throw new Error(`${method} ${url} answered ${r.statusCode}: ${r.body}`);
    return r;
  };

  await call('POST', '/webhooks', { url: webhookUrl, eventTypes: ['workflow.created', 'recipient.completed'] });
  const recipients = defaultRecipients();
  recipients[1].requiresVerification = true;
  const created = (
    await call('POST', '/workflows', workflowBody({ recipients }), {
      'idempotency-key': `isolation-${randomBytes(6).toString('hex')}`,
    })
  ).json<CreatedWorkflow>();
  const [prescriber, patient, pharmacy] = created.recipients;

  await app.inject({ method: 'GET', url: `/r/${tokenOf(prescriber.link)}` });
  const completed = await app.inject({
    method: 'POST',
    url: `/r/${tokenOf(prescriber.link)}/complete`,
    payload: {
      formData: { fullName: 'Dr. Ada Prescriber', npi: '1234567893', signature: 'Dr. Ada Prescriber', consent: true },
    },
  });
  if (completed.statusCode !== 200 && completed.statusCode !== 201) {
    throw new Error(`complete answered ${completed.statusCode}: ${completed.body}`);
  }
  const upload = fileUpload('note.txt', 'text/plain', 'isolation test attachment');
  await call('POST', `/workflows/${created.id}/attachments`, upload.payload, upload.headers);
  const verification = await app.inject({
    method: 'POST',
    url: `/r/${tokenOf(patient.link)}/verification`,
    payload: { channel: 'EMAIL' },
  });
  if (verification.statusCode >= 300) {
    throw new Error(`verification answered ${verification.statusCode}: ${verification.body}`);
  }
  await call('POST', `/workflows/${created.id}/recipients/${pharmacy.id}/reassign`, {
    name: 'Other Pharmacy',
    phone: '+15555550199',
    reason: 'isolation test',
  });
}

/** True once the worker has finished with every tenant's domain rows (deliveries tried, messages sent, scans done). */
export async function settled(owner: Client, tenantIds: string[]): Promise<boolean> {
  const { rows } = await owner.query<{ pending: string; attempted: string }>(
    `SELECT
       (SELECT count(*) FROM attachments WHERE tenant_id = ANY($1::uuid[]) AND scan_status = 'PENDING')
     + (SELECT count(*) FROM notification_messages WHERE tenant_id = ANY($1::uuid[]) AND status = 'QUEUED')
     + (SELECT count(*) FROM webhook_deliveries WHERE tenant_id = ANY($1::uuid[]) AND status = 'PENDING')
     + (SELECT count(*) FROM outbox_messages WHERE delivered_at IS NULL AND dead_at IS NULL) AS pending,
       (SELECT count(DISTINCT tenant_id) FROM webhook_delivery_attempts WHERE tenant_id = ANY($1::uuid[])) AS attempted`,
    [tenantIds],
  );
  return rows[0].pending === '0' && Number(rows[0].attempted) === tenantIds.length;
}
