import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import type { Client } from 'pg';
import { bearer, type TestTenant } from '../support/identity-fixtures';
import { fileUpload } from '../support/multipart';
import { defaultRecipients, tokenOf, workflowBody, type CreatedWorkflow } from '../support/workflow-fixtures';
import { passIdentityChallenge, personalInfo, registerPatient } from '../patient-repository/records-fixtures';

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

/**
 * Rows of the patient-repository domain for one tenant, made through the API by its users: the
 * OWNER registers the PATIENT's record, the patient passes the identity challenge, records and
 * updates entries, grants the SPECIALIST two scopes; the specialist reads (access log); the OWNER
 * sets a model budget; the patient asks for a summary and a model review (the worker runs both
 * against `provider`, an OpenAI-compatible fake: findings, runs and costs).
 */
export async function seedPatientDomain(app: NestFastifyApplication, tenant: TestTenant): Promise<void> {
  const patient = tenant.users.PATIENT!;
  const specialist = tenant.users.SPECIALIST!;
  const call = async (user: { accessToken: string }, method: string, url: string, payload?: unknown) => {
    const r = await app.inject({
      method: method as 'POST',
      url,
      headers: bearer(user.accessToken),
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
    if (r.statusCode >= 300) throw new Error(`${method} ${url} answered ${r.statusCode}: ${r.body}`);
    return r.json<{ id: string }>();
  };
  const info = personalInfo();
  const { id: repositoryId } = await registerPatient(app, tenant.users.OWNER!, patient, info);
  await passIdentityChallenge(app, patient, repositoryId, info);
  const base = `/patient-repositories/${repositoryId}`;
  const diagnosis = await call(patient, 'POST', `${base}/diagnoses`, {
    icd10Code: 'E11.9',
    description: 'Type 2 diabetes mellitus without complications',
    status: 'ACTIVE',
  });
  await call(patient, 'PUT', `${base}/diagnoses/${diagnosis.id}`, {
    icd10Code: 'E11.9',
    description: 'Type 2 diabetes mellitus without complications',
    status: 'REMISSION',
  });
  await call(patient, 'POST', `${base}/medications`, { name: 'Metformin 500 mg tablet', status: 'ACTIVE' });
  await call(patient, 'POST', `${base}/consent-grants`, {
    specialistUserId: specialist.userId,
    scopes: ['DIAGNOSES', 'MEDICATIONS'],
    purpose: 'TREAT',
    periodEnd: new Date(Date.now() + 7 * 24 * 3_600_000).toISOString(),
  });
  await call(specialist, 'GET', `${base}/diagnoses`);
  await call(tenant.users.OWNER!, 'PUT', '/analyses/budget', { monthlyLimit: 100 });
  await call(patient, 'POST', `${base}/analyses`, { kind: 'RECORD_SUMMARY', priority: 5 });
  await call(patient, 'POST', `${base}/analyses`, { kind: 'MODEL_REVIEW', priority: 3 });
}

/** True once every analysis of the tenants has finished. */
export async function analysesSettled(owner: Client, tenantIds: string[]): Promise<boolean> {
  const { rows } = await owner.query<{ n: string }>(
    `SELECT count(*) AS n FROM patient_analyses WHERE tenant_id = ANY($1::uuid[]) AND status IN ('QUEUED', 'RUNNING')`,
    [tenantIds],
  );
  return rows[0].n === '0';
}
