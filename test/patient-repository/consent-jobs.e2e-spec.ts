import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import { RequestContext } from '@itinera/platform';
import { PATIENT_RECORDS_QUEUE } from '@itinera/queues';
import {
  ConsentExpiryService,
  ConsentNotifyService,
  ConsentSchedules,
  type ConsentExpiryResult,
} from '@itinera/patient-repository';
import { startApi, startWorker } from '../support/test-apps';
import {
  asOwner,
  bearer,
  createPlatformAdmin,
  createTenant,
  type TestTenant,
  type TestUser,
} from '../support/identity-fixtures';
import { NotificationSink, type SentNotification } from '../support/notification-sink';
import { addMember, DAY, fromNow, insertGrant, insertRepository } from './consent-fixtures';

const BASE_URL = 'https://itinera.example.test';

/** Runs a job's service as its job would (SYSTEM actor, the job's tenant when it has one). */
function asJob<T>(work: () => Promise<T>, tenantId?: string): Promise<T> {
  return RequestContext.run(
    { requestId: `test-${Math.random()}`, tenantId, actor: { type: 'SYSTEM', id: 'test:consent' } },
    work,
  );
}

interface GrantState {
  id: string;
  status: string;
  expired: boolean;
  audits: number;
  notices: number;
}

const stateOf = (ids: string[]) =>
  asOwner(async (c) => {
    const { rows } = await c.query<GrantState>(
      `SELECT g.id, g.status, g.expired_at IS NOT NULL AS expired,
              (SELECT count(*)::int FROM audit_log a
                WHERE a.resource_id = g.id::text AND a.action = 'consent-grant.expired') AS audits,
              (SELECT count(*)::int FROM outbox_messages m
                WHERE m.payload ->> 'grantId' = g.id::text AND m.payload ->> 'kind' = 'expired') AS notices
         FROM consent_grants g WHERE g.id = ANY ($1::uuid[]) ORDER BY g.id`,
      [ids],
    );
    return rows;
  });

describe('consent jobs: expiry and the specialist notifications', () => {
  const sink = new NotificationSink();
  let api: NestFastifyApplication;
  let workers: NestFastifyApplication[];
  let a: TestTenant;
  let b: TestTenant;
  let patient: TestUser;
  let repositoryId: string;

  beforeAll(async () => {
    const env = { ...sink.env(), PUBLIC_BASE_URL: BASE_URL };
    api = await startApi(env);
    const admin = await createPlatformAdmin(api);
    [a, b] = await Promise.all([
      createTenant(api, admin, ['OWNER', 'PATIENT', 'SPECIALIST']),
      createTenant(api, admin, ['OWNER', 'PATIENT', 'SPECIALIST']),
    ]);
    patient = a.users.PATIENT!;
    repositoryId = await insertRepository(a, patient);
    workers = await Promise.all([startWorker(env), startWorker(env)]);
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.close()));
    await api.close();
    await sink.remove();
  });

  const grant = async (specialist: TestUser, overrides: object = {}) => {
    const response = await api.inject({
      method: 'POST',
      url: `/patient-repositories/${repositoryId}/consent-grants`,
      payload: {
        specialistUserId: specialist.userId,
        scopes: ['VITAL_SIGNS', 'IMMUNIZATIONS'],
        purpose: 'TREAT',
        periodEnd: fromNow(3 * DAY),
        ...overrides,
      },
      headers: bearer(patient.accessToken),
    });
    expect(response.statusCode).toBe(201);
    return response.json() as { id: string; periodEnd: string };
  };

  /** Nothing in a message may name the patient or say more than ids, categories, purpose and period. */
  const expectNoPatientData = (message: SentNotification) => {
    const text = `${message.subject} ${message.text}`;
    expect(text).not.toContain(patient.email);
    expect(text).not.toContain(patient.email.split('@')[0]);
    expect(text).not.toContain(patient.userId);
  };

  it('tells the specialist by email that a grant was given, then revoked, with ids and a link only', async () => {
    const specialist = await addMember(api, a, 'SPECIALIST');
    const given = await grant(specialist);
    const [granted] = await sink.waitFor(specialist.email, 1);
    expect(granted.subject).toBe('A patient has shared their health record with you');
    expect(granted.text).toContain(`Repository: ${repositoryId}`);
    expect(granted.text).toContain(`Grant: ${given.id}`);
    expect(granted.text).toContain('Scopes: vital signs, immunizations');
    expect(granted.text).toContain('Purpose: TREAT (treatment)');
    expect(granted.text).toContain(`${BASE_URL}/patient-repositories/${repositoryId}`);
    expectNoPatientData(granted);

    const revoked = await api.inject({
      method: 'POST',
      url: `/patient-repositories/${repositoryId}/consent-grants/${given.id}/revoke`,
      payload: { reason: 'second opinion done' },
      headers: bearer(patient.accessToken),
    });
    expect(revoked.statusCode).toBe(200);
    const messages = await sink.waitFor(specialist.email, 2);
    expect(messages[1].subject).toBe('A consent grant to you was revoked');
    expect(messages[1].text).not.toContain('second opinion');
    expectNoPatientData(messages[1]);

    // Each send is recorded (kind and provider id, no address), and a rerun sends nothing more.
    const notified = await asOwner(
      async (c) =>
        (
          await c.query(
            `SELECT metadata FROM audit_log WHERE action = 'consent-grant.notified' AND resource_id = $1 ORDER BY seq`,
            [given.id],
          )
        ).rows,
    );
    expect(notified.map((r: { metadata: { kind: string } }) => r.metadata.kind)).toEqual(['granted', 'revoked']);
    expect(JSON.stringify(notified)).not.toContain(specialist.email);
    const notifier = workers[0].get(ConsentNotifyService);
    const rerun = await asJob(() => notifier.notify({ tenantId: a.id, grantId: given.id, kind: 'revoked' }), a.id);
    expect(rerun).toEqual({ result: 'skipped', reason: 'already sent' });
    // A 'granted' message for a grant revoked since is no longer true: skipped.
    const stale = await asJob(() => notifier.notify({ tenantId: a.id, grantId: given.id, kind: 'granted' }), a.id);
    expect(stale).toEqual({ result: 'skipped', reason: 'grant is REVOKED' });
    expect(await sink.to(specialist.email)).toHaveLength(2);
  });

  it('expires grants past their period in every tenant, once, in batches, audited and notified', async () => {
    const specialistA = await addMember(api, a, 'SPECIALIST');
    const repositoryB = await insertRepository(b, b.users.PATIENT!);
    const past = { periodStart: '-3 days', periodEnd: '-1 second' };
    const dueA = await Promise.all(
      Array.from({ length: 5 }, () => insertGrant(a, repositoryId, specialistA, { scopes: ['DIAGNOSES'], ...past })),
    );
    const dueB = await Promise.all(
      Array.from({ length: 2 }, () =>
        insertGrant(b, repositoryB, b.users.SPECIALIST!, { scopes: ['ALLERGIES', 'MEDICATIONS'], ...past }),
      ),
    );
    const live = await insertGrant(a, repositoryId, specialistA, {
      scopes: ['DIAGNOSES'],
      periodStart: '-1 day',
      periodEnd: '1 day',
    });
    const revoked = await insertGrant(a, repositoryId, specialistA, {
      scopes: ['DIAGNOSES'],
      ...past,
      status: 'REVOKED',
    });

    // Two workers at once, in batches of 2: each grant is expired by exactly one of them.
    const results = await Promise.all(
      workers.map((w) => asJob(() => w.get(ConsentExpiryService).run(2)) as Promise<ConsentExpiryResult>),
    );
    expect(results.reduce((n, r) => n + r.grants, 0)).toBeLessThanOrEqual(dueA.length + dueB.length);
    const due = await stateOf([...dueA, ...dueB]);
    expect(due.every((g) => g.status === 'EXPIRED' && g.expired && g.audits === 1 && g.notices === 1)).toBe(true);
    expect(await stateOf([live, revoked])).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: live, status: 'ACTIVE', expired: false, audits: 0 }),
        expect.objectContaining({ id: revoked, status: 'REVOKED', expired: false, audits: 0 }),
      ]),
    );

    // Idempotent: a rerun finds nothing.
    expect(await asJob(() => workers[0].get(ConsentExpiryService).run())).toEqual({ tenants: 0, grants: 0 });

    // The audit rows name the job and keep ids, scopes and period only.
    const audit = await asOwner(
      async (c) =>
        (
          await c.query(
            `SELECT actor_type, before, after FROM audit_log WHERE action = 'consent-grant.expired' AND resource_id = $1`,
            [dueB[0]],
          )
        ).rows[0],
    );
    expect(audit).toMatchObject({
      actor_type: 'SYSTEM',
      before: { status: 'ACTIVE' },
      after: {
        status: 'EXPIRED',
        repositoryId: repositoryB,
        specialistUserId: b.users.SPECIALIST!.userId,
        scopes: ['ALLERGIES', 'MEDICATIONS'],
      },
    });

    // Each specialist hears of each expiry.
    const expiredMessages = await sink.waitFor(
      specialistA.email,
      5,
      (m) => m.subject === 'A consent grant to you has expired',
    );
    expiredMessages.forEach(expectNoPatientData);
    await sink.waitFor(b.users.SPECIALIST!.email, 2, (m) => m.subject === 'A consent grant to you has expired');
  });

  it('registers the consent-expiry sweep once, every minute, however many workers start', async () => {
    await Promise.all(workers.map((w) => w.get(ConsentSchedules).registered));
    const queue = workers[0].get<Queue>(getQueueToken(PATIENT_RECORDS_QUEUE));
    const repeatable = (await queue.getRepeatableJobs()).filter((j) => j.name === 'consent-expiry');
    expect(repeatable).toHaveLength(1);
    expect(Number(repeatable[0].every)).toBe(60_000);
  });
});
