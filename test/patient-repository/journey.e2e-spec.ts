import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { startApi, startWorker } from '../support/test-apps';
import {
  asOwner,
  bearer,
  createPlatformAdmin,
  createTenant,
  type TestTenant,
  type TestUser,
} from '../support/identity-fixtures';
import { NotificationSink } from '../support/notification-sink';
import { DAY, fromNow } from './consent-fixtures';
import { personalInfo } from './records-fixtures';

/**
 * The full path, through the real routes only: staff register a patient's record; the
 * patient passes the identity challenge (one wrong answer first), records entries, grants a
 * specialist two scopes; the specialist is told, finds the record, reads those two and is refused
 * a third; the patient revokes the grant, the specialist is told, and their next read is refused;
 * the access log shows all of it, and the audit log the security-relevant part.
 */
describe('patient record journey', () => {
  const UA = 'journey-test/1.0';
  const sink = new NotificationSink();
  let api: NestFastifyApplication;
  let worker: NestFastifyApplication;
  let tenant: TestTenant;
  let patient: TestUser;
  let specialist: TestUser;

  beforeAll(async () => {
    api = await startApi(sink.env());
    worker = await startWorker(sink.env());
    const admin = await createPlatformAdmin(api);
    tenant = await createTenant(api, admin, ['OWNER', 'MANAGER', 'PATIENT', 'SPECIALIST']);
    patient = tenant.users.PATIENT!;
    specialist = tenant.users.SPECIALIST!;
  });
  afterAll(async () => {
    await worker.close();
    await api.close();
    await sink.remove();
  });

  const call = (user: TestUser, method: 'GET' | 'POST', url: string, payload?: object) =>
    api.inject({ method, url, payload, headers: { ...bearer(user.accessToken), 'user-agent': UA } });

  it('goes from registration to a revoked grant, with every read in the access log', async () => {
    // 1. Staff register the record; it waits for the patient's identity.
    const info = personalInfo();
    const registered = await call(tenant.users.MANAGER!, 'POST', '/patient-repositories', {
      patientUserId: patient.userId,
      personalInfo: info,
    });
    expect(registered.statusCode).toBe(201);
    const id = registered.json().id as string;
    const base = `/patient-repositories/${id}`;
    expect(registered.json().status).toBe('PENDING_IDENTITY');
    expect((await call(patient, 'GET', `${base}/diagnoses`)).statusCode).toBe(403);

    // 2. The patient passes the identity challenge (a wrong answer first).
    const challenge = await call(patient, 'POST', `${base}/identity-challenges`);
    expect(challenge.statusCode).toBe(201);
    const answersUrl = `${base}/identity-challenges/${challenge.json().id}/answers`;
    const wrong = await call(patient, 'POST', answersUrl, {
      answers: { dateOfBirth: '1900-01-01', postalCode: info.address.postalCode },
    });
    expect(wrong.statusCode).toBe(422);
    const right = await call(patient, 'POST', answersUrl, {
      answers: { dateOfBirth: info.dateOfBirth, postalCode: info.address.postalCode.toLowerCase() },
    });
    expect(right.statusCode).toBe(200);
    expect((await call(patient, 'GET', base)).json().status).toBe('ACTIVE');

    // 3. The patient records entries of three categories.
    const record = async (segment: string, payload: object) => {
      const response = await call(patient, 'POST', `${base}/${segment}`, payload);
      expect(response.statusCode).toBe(201);
      return response.json().id as string;
    };
    const diagnosisId = await record('diagnoses', {
      icd10Code: 'I10',
      description: 'Essential hypertension',
      status: 'ACTIVE',
      onsetDate: '2019-03-01',
    });
    const medicationId = await record('medications', {
      name: 'Lisinopril 10 mg',
      rxnormCode: '314076',
      dose: '10 mg',
      route: 'ORAL',
      frequency: 'once daily',
      status: 'ACTIVE',
    });
    await record('allergies', { substance: 'Sulfonamides', reaction: 'rash', severity: 'MODERATE', status: 'ACTIVE' });

    // 4. The patient grants the specialist diagnoses and medications for treatment.
    const granted = await call(patient, 'POST', `${base}/consent-grants`, {
      specialistUserId: specialist.userId,
      scopes: ['DIAGNOSES', 'MEDICATIONS'],
      purpose: 'TREAT',
      periodEnd: fromNow(30 * DAY),
    });
    expect(granted.statusCode).toBe(201);
    const grantId = granted.json().id as string;
    const [notice] = await sink.waitFor(specialist.email, 1);
    expect(notice.text).toContain(id);
    expect(notice.text).not.toContain(info.legalName.family);

    // 5. The specialist finds the record shared with them, reads the two scopes, is refused a third.
    const shared = (await call(specialist, 'GET', '/patient-repositories')).json().data;
    expect(shared).toEqual([
      expect.objectContaining({
        id,
        grants: [expect.objectContaining({ id: grantId, scopes: ['DIAGNOSES', 'MEDICATIONS'] })],
      }),
    ]);
    expect(
      (await call(specialist, 'GET', '/specialist/consent-grants')).json().data.map((g: { id: string }) => g.id),
    ).toEqual([grantId]);
    const diagnoses = await call(specialist, 'GET', `${base}/diagnoses`);
    expect(diagnoses.statusCode).toBe(200);
    expect(diagnoses.json().data[0]).toMatchObject({
      id: diagnosisId,
      content: expect.objectContaining({ icd10Code: 'I10' }),
    });
    const medication = await call(specialist, 'GET', `${base}/medications/${medicationId}`);
    expect(medication.statusCode).toBe(200);
    expect(medication.json().content).toMatchObject({ name: 'Lisinopril 10 mg' });
    const allergies = await call(specialist, 'GET', `${base}/allergies`);
    expect(allergies.statusCode).toBe(403);
    expect(allergies.json().code).toBe('SCOPE_NOT_GRANTED');
    expect((await call(specialist, 'GET', `${base}/personal-info`)).statusCode).toBe(403);

    // 6. The patient revokes; the specialist is told, and their next read is refused as if the record were not there.
    const revoked = await call(patient, 'POST', `${base}/consent-grants/${grantId}/revoke`, {
      reason: 'treatment finished',
    });
    expect(revoked.statusCode).toBe(200);
    await sink.waitFor(specialist.email, 2);
    const after = await call(specialist, 'GET', `${base}/diagnoses`);
    expect(after.statusCode).toBe(404);
    expect((await call(specialist, 'GET', '/patient-repositories')).json().data).toEqual([]);

    // 7. The access log shows all of it, oldest last.
    const log = await call(patient, 'GET', `${base}/access-log?limit=100`);
    expect(log.statusCode).toBe(200);
    const entries = (log.json().data as Record<string, unknown>[]).reverse();
    const who = (userId: string) =>
      userId === patient.userId ? 'patient' : userId === specialist.userId ? 'specialist' : userId;
    expect(
      entries.map((e) => [
        who(e.actorId as string),
        e.action,
        (e.categories as string[]).join(),
        e.outcome,
        e.reason,
        e.grantId,
      ]),
    ).toEqual([
      ['patient', 'LIST', 'DIAGNOSES', 'DENIED', 'IDENTITY_NOT_VERIFIED', null],
      ['specialist', 'LIST', 'DIAGNOSES', 'ALLOWED', null, grantId],
      ['specialist', 'READ', 'MEDICATIONS', 'ALLOWED', null, grantId],
      ['specialist', 'LIST', 'ALLERGIES', 'DENIED', 'SCOPE_NOT_GRANTED', null],
      ['specialist', 'READ', 'PERSONAL_INFO', 'DENIED', 'SCOPE_NOT_GRANTED', null],
      ['specialist', 'LIST', 'DIAGNOSES', 'DENIED', 'NO_LIVE_GRANT', null],
    ]);
    expect(entries.every((e) => e.userAgent === UA && e.ip)).toBe(true);
    expect(entries[1]).toMatchObject({
      actorRole: 'SPECIALIST',
      purpose: 'TREAT',
      actorDisplayName: specialist.email.split('@')[0],
    });

    // The audit log has the grant's life and the refusals, and nothing of the record's content.
    const audit = await asOwner(async (c) => {
      const { rows } = await c.query<{ action: string }>(
        `SELECT action, before, after, metadata FROM audit_log WHERE tenant_id = $1 AND action LIKE ANY ($2) ORDER BY seq`,
        [tenant.id, ['consent-grant.%', 'patient-record.%']],
      );
      return rows;
    });
    expect(audit.map((a) => a.action)).toEqual(
      expect.arrayContaining([
        'consent-grant.created',
        'consent-grant.notified',
        'consent-grant.revoked',
        'patient-record.access-denied',
      ]),
    );
    expect(audit.filter((a) => a.action === 'patient-record.access-denied')).toHaveLength(4);
    const text = JSON.stringify(audit);
    for (const secret of [
      info.legalName.family,
      info.dateOfBirth,
      'hypertension',
      'Lisinopril',
      'Sulfonamides',
      'treatment finished',
    ]) {
      expect(text).not.toContain(secret);
    }
  });
});
