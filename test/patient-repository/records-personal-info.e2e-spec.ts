import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { startApi } from '../support/test-apps';
import {
  asOwner,
  bearer,
  createPlatformAdmin,
  createTenant,
  type TestTenant,
  type TestUser,
} from '../support/identity-fixtures';
import { activeRepository, addMember, insertGrant, personalInfo, registerPatient } from './records-fixtures';

describe('personal information', () => {
  let app: NestFastifyApplication;
  let tenant: TestTenant;

  beforeAll(async () => {
    app = await startApi();
    tenant = await createTenant(app, await createPlatformAdmin(app), [
      'OWNER',
      'ADMIN',
      'MANAGER',
      'MEMBER',
      'SPECIALIST',
    ]);
  });
  afterAll(() => app.close());

  const read = (user: TestUser, repositoryId: string) =>
    app.inject({
      method: 'GET',
      url: `/patient-repositories/${repositoryId}/personal-info`,
      headers: { ...bearer(user.accessToken), 'user-agent': 'records-e2e' },
    });
  const replace = (user: TestUser, repositoryId: string, payload: object) =>
    app.inject({
      method: 'PUT',
      url: `/patient-repositories/${repositoryId}/personal-info`,
      payload,
      headers: bearer(user.accessToken),
    });
  const accessLog = (repositoryId: string) =>
    asOwner(
      async (c) =>
        (
          await c.query(
            `SELECT actor_id, actor_role, action, categories::text[] AS categories, grant_id, outcome, reason, user_agent
               FROM phi_access_log WHERE repository_id = $1 ORDER BY occurred_at, id`,
            [repositoryId],
          )
        ).rows,
    );

  it('lets the verified patient read it, decrypted, and logs the read', async () => {
    const { repositoryId, patient, info } = await activeRepository(app, tenant);
    const response = await read(patient, repositoryId);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual(info);
    expect(await accessLog(repositoryId)).toEqual([
      {
        actor_id: patient.userId,
        actor_role: 'PATIENT',
        action: 'READ',
        categories: ['PERSONAL_INFO'],
        grant_id: null,
        outcome: 'ALLOWED',
        reason: null,
        user_agent: 'records-e2e',
      },
    ]);
  });

  it('refuses the patient before the identity challenge (403), other patients (404), staff (403), members (404)', async () => {
    const patient = await addMember(app, tenant, 'PATIENT');
    const pending = await registerPatient(app, tenant.users.OWNER!, patient);
    const unverified = await read(patient, pending.id);
    expect(unverified.statusCode).toBe(403);
    expect(unverified.json().code).toBe('IDENTITY_NOT_VERIFIED');

    const { repositoryId, info } = await activeRepository(app, tenant);
    const other = await read(patient, repositoryId);
    expect(other.statusCode).toBe(404);
    for (const role of ['OWNER', 'ADMIN', 'MANAGER'] as const) {
      const staff = await read(tenant.users[role]!, repositoryId);
      expect(staff.statusCode).toBe(403);
      expect(staff.body).not.toContain(info.legalName.family);
    }
    expect((await read(tenant.users.MEMBER!, repositoryId)).statusCode).toBe(404);
    const log = await accessLog(repositoryId);
    expect(log.map((l) => [l.outcome, l.reason])).toEqual([
      ['DENIED', 'NOT_THE_PATIENT'],
      ['DENIED', 'STAFF_NO_PHI_ACCESS'],
      ['DENIED', 'STAFF_NO_PHI_ACCESS'],
      ['DENIED', 'STAFF_NO_PHI_ACCESS'],
      ['DENIED', 'NOT_THE_PATIENT'],
    ]);
  });

  it('lets a specialist read it only under a live grant covering PERSONAL_INFO', async () => {
    const { repositoryId, info } = await activeRepository(app, tenant);
    const specialist = await addMember(app, tenant, 'SPECIALIST');
    expect((await read(specialist, repositoryId)).statusCode).toBe(404);
    const narrow = await insertGrant(tenant.id, repositoryId, specialist.userId, ['DIAGNOSES']);
    const uncovered = await read(specialist, repositoryId);
    expect(uncovered.statusCode).toBe(403);
    expect(uncovered.json().code).toBe('SCOPE_NOT_GRANTED');
    const grantId = await insertGrant(tenant.id, repositoryId, specialist.userId, ['PERSONAL_INFO', 'ALLERGIES']);
    const allowed = await read(specialist, repositoryId);
    expect(allowed.statusCode).toBe(200);
    expect(allowed.json()).toEqual(info);
    const log = await accessLog(repositoryId);
    expect(log.map((l) => [l.outcome, l.reason, l.grant_id])).toEqual([
      ['DENIED', 'NO_LIVE_GRANT', null],
      ['DENIED', 'SCOPE_NOT_GRANTED', null],
      ['ALLOWED', null, grantId],
    ]);
    expect(narrow).not.toBe(grantId);
  });

  it('lets the patient replace it: sealed again, hash recomputed, audited without values', async () => {
    const { repositoryId, patient } = await activeRepository(app, tenant);
    const before = await asOwner(
      async (c) =>
        (await c.query('SELECT personal_info, identity_hash FROM patient_repositories WHERE id = $1', [repositoryId]))
          .rows[0],
    );
    const updated = personalInfo({ sex: 'other' });
    const response = await replace(patient, repositoryId, updated);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual(updated);
    expect((await read(patient, repositoryId)).json()).toEqual(updated);
    const after = await asOwner(
      async (c) =>
        (await c.query('SELECT personal_info, identity_hash FROM patient_repositories WHERE id = $1', [repositoryId]))
          .rows[0],
    );
    expect(after.personal_info).not.toBe(before.personal_info);
    expect(after.identity_hash).not.toEqual(before.identity_hash);
    const audit = await asOwner(
      async (c) =>
        (
          await c.query(`SELECT row_to_json(a)::text AS text FROM audit_log a WHERE resource_id = $1 AND action = $2`, [
            repositoryId,
            'patient-repository.personal_info_replaced',
          ])
        ).rows,
    );
    expect(audit).toHaveLength(1);
    for (const value of [
      updated.legalName.family,
      updated.dateOfBirth,
      updated.address.postalCode,
      updated.identifiers[0].value,
    ]) {
      expect(audit[0].text).not.toContain(value);
    }
  });

  it('refuses a replacement that identifies another repository’s person with 409, and anyone but the patient', async () => {
    const first = await activeRepository(app, tenant);
    const second = await activeRepository(app, tenant);
    const clash = await replace(second.patient, second.repositoryId, { ...first.info, sex: 'unknown' });
    expect(clash.statusCode).toBe(409);
    expect(clash.json().code).toBe('DUPLICATE_PATIENT');
    expect((await read(second.patient, second.repositoryId)).json()).toEqual(second.info);

    const specialist = await addMember(app, tenant, 'SPECIALIST');
    await insertGrant(tenant.id, second.repositoryId, specialist.userId, ['PERSONAL_INFO']);
    expect((await replace(specialist, second.repositoryId, personalInfo())).statusCode).toBe(403);
    expect((await replace(tenant.users.OWNER!, second.repositoryId, personalInfo())).statusCode).toBe(403);
    expect((await replace(first.patient, second.repositoryId, personalInfo())).statusCode).toBe(404);
    const bad = await replace(second.patient, second.repositoryId, { ...personalInfo(), dateOfBirth: '2999-01-01' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors).toEqual([expect.objectContaining({ field: 'dateOfBirth' })]);
  });
});
