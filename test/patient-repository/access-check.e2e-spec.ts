import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { startApi } from '../support/test-apps';
import { withClient } from '../support/test-databases';
import {
  asOwner,
  bearer,
  createPlatformAdmin,
  createTenant,
  type TestTenant,
  type TestUser,
} from '../support/identity-fixtures';
import {
  accessLogOf,
  addMember,
  DAY,
  fromNow,
  insertGrant,
  insertRepository,
  type AccessLogRow,
} from './consent-fixtures';

/**
 * The consent check (PatientRecordAccess) through the real entry routes: who may read what, the
 * answer each refusal gets (404 when the caller may not know the record exists, 403 when they may),
 * and exactly one access-log row per read, allowed or denied, with its grant, purpose, IP and user
 * agent. The log itself is append-only, for the app and for the database owner alike.
 */
describe('the consent check', () => {
  const IP = '203.0.113.7';
  const USER_AGENT = 'consent-check-test/1.0';
  let api: NestFastifyApplication;
  let tenant: TestTenant;
  let patient: TestUser;
  let otherPatient: TestUser;
  let specialist: TestUser;
  let repositoryId: string;
  let diagnosisId: string;
  let medicationId: string;
  let allergyId: string;

  beforeAll(async () => {
    api = await startApi();
    const admin = await createPlatformAdmin(api);
    tenant = await createTenant(api, admin, ['OWNER', 'ADMIN', 'MANAGER', 'PATIENT', 'SPECIALIST']);
    patient = tenant.users.PATIENT!;
    specialist = tenant.users.SPECIALIST!;
    otherPatient = await addMember(api, tenant, 'PATIENT');
    repositoryId = await insertRepository(tenant, patient);
    await insertRepository(tenant, otherPatient);
    const create = async (segment: string, payload: object) => {
      const response = await api.inject({
        method: 'POST',
        url: `/patient-repositories/${repositoryId}/${segment}`,
        payload,
        headers: bearer(patient.accessToken),
      });
      if (response.statusCode !== 201)
        throw new Error(`POST ${segment} answered ${response.statusCode}: ${response.body}`);
      return response.json().id as string;
    };
    diagnosisId = await create('diagnoses', { icd10Code: 'E11.9', description: 'Type 2 diabetes', status: 'ACTIVE' });
    medicationId = await create('medications', { name: 'Metformin', rxnormCode: '860975', status: 'ACTIVE' });
    allergyId = await create('allergies', { substance: 'Penicillin', severity: 'SEVERE', status: 'ACTIVE' });
  });
  afterAll(async () => {
    await api.close();
  });

  const get = (user: TestUser, path: string, repository = repositoryId) =>
    api.inject({
      method: 'GET',
      url: `/patient-repositories/${repository}/${path}`,
      headers: { ...bearer(user.accessToken), 'user-agent': USER_AGENT },
      remoteAddress: IP,
    });
  const logCount = () =>
    asOwner(async (c) => (await c.query<{ n: number }>('SELECT count(*)::int AS n FROM phi_access_log')).rows[0].n);

  /** Makes one read and checks it left exactly one access-log row; returns the answer and that row. */
  async function readOnce(user: TestUser, path: string, repository = repositoryId) {
    const before = await logCount();
    const response = await get(user, path, repository);
    expect(await logCount()).toBe(before + 1);
    const rows = await accessLogOf(repository);
    return { response, row: rows.at(-1)! };
  }

  const denial = (reason: string, extra: Partial<AccessLogRow> = {}) =>
    expect.objectContaining({ outcome: 'DENIED', reason, ip: IP, user_agent: USER_AGENT, grant_id: null, ...extra });

  it('lets the patient read their own record, logging each read with IP and user agent', async () => {
    const list = await readOnce(patient, 'diagnoses');
    expect(list.response.statusCode).toBe(200);
    expect(list.response.json().data.map((d: { id: string }) => d.id)).toEqual([diagnosisId]);
    expect(list.row).toEqual({
      actor_id: patient.userId,
      actor_role: 'PATIENT',
      action: 'LIST',
      categories: ['DIAGNOSES'],
      resource_id: null,
      grant_id: null,
      purpose: null,
      outcome: 'ALLOWED',
      reason: null,
      ip: IP,
      user_agent: USER_AGENT,
    });
    const one = await readOnce(patient, `allergies/${allergyId}`);
    expect(one.response.statusCode).toBe(200);
    expect(one.row).toMatchObject({
      action: 'READ',
      categories: ['ALLERGIES'],
      resource_id: allergyId,
      outcome: 'ALLOWED',
    });
  });

  it('answers another patient 404, as if the record did not exist, and logs the refusal', async () => {
    for (const path of ['diagnoses', `diagnoses/${diagnosisId}`]) {
      const { response, row } = await readOnce(otherPatient, path);
      expect(response.statusCode).toBe(404);
      expect(response.json().code).toBe('NOT_FOUND');
      expect(row).toEqual(denial('NOT_THE_PATIENT', { actor_id: otherPatient.userId, actor_role: 'PATIENT' }));
    }
  });

  it('answers staff 403: they know the record exists but may not read health data', async () => {
    for (const role of ['OWNER', 'ADMIN', 'MANAGER'] as const) {
      const { response, row } = await readOnce(tenant.users[role]!, 'medications');
      expect(response.statusCode).toBe(403);
      expect(row).toEqual(denial('STAFF_NO_PHI_ACCESS', { actor_role: role }));
    }
  });

  it('answers a specialist without a grant 404, for this record and for probed ids, each logged', async () => {
    const { response, row } = await readOnce(specialist, `diagnoses/${diagnosisId}`);
    expect(response.statusCode).toBe(404);
    expect(row).toEqual(denial('NO_LIVE_GRANT', { actor_id: specialist.userId, actor_role: 'SPECIALIST' }));
    for (let i = 0; i < 5; i++) {
      const probed = randomUUID();
      const probe = await readOnce(specialist, 'diagnoses', probed);
      expect(probe.response.statusCode).toBe(404);
      expect(probe.row).toEqual(denial('NO_SUCH_RECORD', { actor_id: specialist.userId }));
    }
    // The same body whether the record exists or not: nothing tells the two apart.
    const real = (await get(specialist, 'diagnoses')).json();
    const fake = (await get(specialist, 'diagnoses', randomUUID())).json();
    expect({ ...real, requestId: undefined, instance: undefined }).toEqual({
      ...fake,
      requestId: undefined,
      instance: undefined,
    });
  });

  describe('with a live grant of diagnoses and medications', () => {
    let grantId: string;

    beforeAll(async () => {
      const response = await api.inject({
        method: 'POST',
        url: `/patient-repositories/${repositoryId}/consent-grants`,
        payload: {
          specialistUserId: specialist.userId,
          scopes: ['DIAGNOSES', 'MEDICATIONS'],
          purpose: 'CAREMGT',
          periodEnd: fromNow(DAY),
        },
        headers: bearer(patient.accessToken),
      });
      expect(response.statusCode).toBe(201);
      grantId = response.json().id;
    });

    it('lets the specialist read the granted categories, logging the grant and its purpose', async () => {
      for (const [path, category, resource] of [
        ['diagnoses', 'DIAGNOSES', null],
        [`diagnoses/${diagnosisId}`, 'DIAGNOSES', diagnosisId],
        [`medications/${medicationId}`, 'MEDICATIONS', medicationId],
        [`medications/${medicationId}/history`, 'MEDICATIONS', medicationId],
      ] as const) {
        const { response, row } = await readOnce(specialist, path);
        expect(response.statusCode).toBe(200);
        expect(row).toMatchObject({
          actor_id: specialist.userId,
          actor_role: 'SPECIALIST',
          categories: [category],
          resource_id: resource,
          grant_id: grantId,
          purpose: 'CAREMGT',
          outcome: 'ALLOWED',
          ip: IP,
          user_agent: USER_AGENT,
        });
      }
    });

    it('logs an allowed read whose resource turns out not to exist (probing ids under a grant)', async () => {
      for (const path of [`analyses/${randomUUID()}`, `diagnoses/${randomUUID()}`]) {
        const { response, row } = await readOnce(specialist, path);
        expect(response.statusCode).toBe(404);
        expect(row).toMatchObject({ actor_id: specialist.userId, outcome: 'ALLOWED', grant_id: grantId });
        expect(row.resource_id).toBe(path.split('/')[1]);
      }
    });

    it('answers 403 SCOPE_NOT_GRANTED for a category the grant does not cover', async () => {
      const { response, row } = await readOnce(specialist, `allergies/${allergyId}`);
      expect(response.statusCode).toBe(403);
      expect(response.json()).toMatchObject({ code: 'SCOPE_NOT_GRANTED', categories: ['ALLERGIES'] });
      expect(row).toEqual(denial('SCOPE_NOT_GRANTED', { categories: ['ALLERGIES'], resource_id: allergyId }));
      expect(JSON.stringify(response.json())).not.toContain('Penicillin');
    });

    it('refuses the grant a second after it is revoked (404), though it worked just before', async () => {
      expect((await get(specialist, 'diagnoses')).statusCode).toBe(200);
      const revoke = await api.inject({
        method: 'POST',
        url: `/patient-repositories/${repositoryId}/consent-grants/${grantId}/revoke`,
        payload: {},
        headers: bearer(patient.accessToken),
      });
      expect(revoke.statusCode).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const { response, row } = await readOnce(specialist, 'diagnoses');
      expect(response.statusCode).toBe(404);
      expect(row).toEqual(denial('NO_LIVE_GRANT'));
    });
  });

  it('refuses a grant whose period ended a second ago though its status is still ACTIVE', async () => {
    const late = await addMember(api, tenant, 'SPECIALIST');
    const grantId = await insertGrant(tenant, repositoryId, late, {
      scopes: ['DIAGNOSES'],
      periodStart: '-1 day',
      periodEnd: '-1 second',
    });
    const { response, row } = await readOnce(late, 'diagnoses');
    expect(response.statusCode).toBe(404);
    expect(row).toEqual(denial('NO_LIVE_GRANT', { actor_id: late.userId }));
    const status = await asOwner(
      async (c) => (await c.query('SELECT status FROM consent_grants WHERE id = $1', [grantId])).rows[0].status,
    );
    expect(status).toBe('ACTIVE');
  });

  it('refuses a grant whose period has not started yet', async () => {
    const early = await addMember(api, tenant, 'SPECIALIST');
    const grant = await api.inject({
      method: 'POST',
      url: `/patient-repositories/${repositoryId}/consent-grants`,
      payload: {
        specialistUserId: early.userId,
        scopes: ['DIAGNOSES'],
        purpose: 'TREAT',
        periodStart: fromNow(DAY),
        periodEnd: fromNow(2 * DAY),
      },
      headers: bearer(patient.accessToken),
    });
    expect(grant.statusCode).toBe(201);
    expect(grant.json().live).toBe(false);
    const { response, row } = await readOnce(early, 'diagnoses');
    expect(response.statusCode).toBe(404);
    expect(row).toEqual(denial('NO_LIVE_GRANT', { actor_id: early.userId }));
  });

  it('writes every refusal to the audit log too, with ids and the reason only', async () => {
    const [denials, logged] = await asOwner(async (c) => [
      (
        await c.query(
          `SELECT resource_id, metadata FROM audit_log WHERE action = 'patient-record.access-denied' ORDER BY seq`,
        )
      ).rows,
      (await c.query(`SELECT count(*)::int AS n FROM phi_access_log WHERE outcome = 'DENIED'`)).rows[0].n,
    ]);
    expect(denials).toHaveLength(logged);
    expect(denials.map((d: { metadata: { reason: string } }) => d.metadata.reason)).toEqual(
      expect.arrayContaining([
        'NOT_THE_PATIENT',
        'STAFF_NO_PHI_ACCESS',
        'NO_LIVE_GRANT',
        'NO_SUCH_RECORD',
        'SCOPE_NOT_GRANTED',
      ]),
    );
    const text = JSON.stringify(denials);
    for (const secret of ['diabetes', 'Metformin', 'Penicillin', 'E11.9']) expect(text).not.toContain(secret);
  });

  it('keeps the access log append-only: UPDATE, DELETE and TRUNCATE fail for the app and for the owner', async () => {
    const attempts = [
      `UPDATE phi_access_log SET outcome = 'ALLOWED', reason = NULL WHERE repository_id = '${repositoryId}'`,
      `DELETE FROM phi_access_log WHERE repository_id = '${repositoryId}'`,
      'TRUNCATE phi_access_log',
    ];
    const before = await logCount();
    for (const url of [process.env.DATABASE_URL!, process.env.DIRECT_DATABASE_URL!]) {
      await withClient(url, async (c) => {
        await c.query("SELECT set_config('app.tenant_id', $1, false)", [tenant.id]);
        for (const sql of attempts) await expect(c.query(sql)).rejects.toThrow(/permission denied|append-only/);
      });
    }
    expect(await logCount()).toBe(before);
    expect((await accessLogOf(repositoryId)).filter((r) => r.outcome === 'DENIED').length).toBeGreaterThan(0);
  });
});
