import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { startApi } from '../support/test-apps';
import {
  asOwner,
  bearer,
  createPlatformAdmin,
  createTenant,
  type TestTenant,
  type TestUser,
} from '../support/identity-fixtures';
import { addMember, DAY, fromNow, insertGrant, insertRepository } from './consent-fixtures';

describe('consent grants', () => {
  let api: NestFastifyApplication;
  let tenant: TestTenant;
  let other: TestTenant;
  let patient: TestUser;
  let specialist: TestUser;
  let secondPatient: TestUser;
  let secondSpecialist: TestUser;
  let repositoryId: string;

  beforeAll(async () => {
    api = await startApi({ CONSENT_MAX_DAYS: '30' });
    const admin = await createPlatformAdmin(api);
    [tenant, other] = await Promise.all([
      createTenant(api, admin, ['OWNER', 'ADMIN', 'MEMBER', 'PATIENT', 'SPECIALIST']),
      createTenant(api, admin, ['OWNER', 'SPECIALIST']),
    ]);
    patient = tenant.users.PATIENT!;
    specialist = tenant.users.SPECIALIST!;
    [secondPatient, secondSpecialist] = await Promise.all([
      addMember(api, tenant, 'PATIENT'),
      addMember(api, tenant, 'SPECIALIST'),
    ]);
    repositoryId = await insertRepository(tenant, patient);
  });
  afterAll(async () => {
    await api.close();
  });

  const call = (user: TestUser, method: 'GET' | 'POST', url: string, payload?: object) =>
    api.inject({ method, url, payload, headers: bearer(user.accessToken) });
  const grantUrl = (id = repositoryId) => `/patient-repositories/${id}/consent-grants`;
  const validGrant = (overrides: object = {}) => ({
    specialistUserId: specialist.userId,
    scopes: ['DIAGNOSES', 'MEDICATIONS'],
    purpose: 'TREAT',
    periodEnd: fromNow(7 * DAY),
    ...overrides,
  });

  it('lets the patient grant a specialist scopes for a purpose and period, audited and notified with ids only', async () => {
    const response = await call(patient, 'POST', grantUrl(), validGrant());
    expect(response.statusCode).toBe(201);
    const grant = response.json();
    expect(grant).toMatchObject({
      repositoryId,
      specialistUserId: specialist.userId,
      scopes: ['DIAGNOSES', 'MEDICATIONS'],
      purpose: 'TREAT',
      status: 'ACTIVE',
      live: true,
      revokedAt: null,
      createdBy: patient.userId,
      provision: {
        type: 'permit',
        actor: [{ reference: { reference: `Practitioner/${specialist.userId}` } }],
        purpose: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'TREAT' }],
        class: [
          { system: 'http://hl7.org/fhir/resource-types', code: 'Condition' },
          { system: 'http://hl7.org/fhir/resource-types', code: 'MedicationStatement' },
        ],
      },
    });
    // periodStart defaults to now.
    expect(Math.abs(Date.parse(grant.periodStart) - Date.now())).toBeLessThan(60_000);

    const [audit, outbox] = await asOwner(async (c) => [
      (
        await c.query(
          `SELECT actor_id, after FROM audit_log WHERE action = 'consent-grant.created' AND resource_id = $1`,
          [grant.id],
        )
      ).rows,
      (await c.query(`SELECT job_name, payload FROM outbox_messages WHERE payload ->> 'grantId' = $1`, [grant.id]))
        .rows,
    ]);
    expect(audit).toEqual([
      {
        actor_id: patient.userId,
        after: expect.objectContaining({ repositoryId, specialistUserId: specialist.userId, status: 'ACTIVE' }),
      },
    ]);
    expect(outbox).toEqual([
      {
        job_name: 'consent-notify',
        payload: expect.objectContaining({ tenantId: tenant.id, grantId: grant.id, kind: 'granted' }),
      },
    ]);
    expect(Object.keys(outbox[0].payload).sort()).toEqual(['grantId', 'kind', 'requestId', 'tenantId']);
  });

  it.each([
    ['scopes', { scopes: [] }],
    ['scopes', { scopes: ['DIAGNOSES', 'DIAGNOSES'] }],
    ['scopes', { scopes: ['DIAGNOSES', 'GENOME'] }],
    ['scopes', { scopes: 'DIAGNOSES' }],
    ['purpose', { purpose: 'SHOPPING' }],
    ['specialistUserId', { specialistUserId: 'nobody' }],
    ['periodEnd', { periodEnd: undefined }],
    ['periodEnd', { periodEnd: 'next week' }],
    ['periodEnd', { periodStart: fromNow(2 * DAY), periodEnd: fromNow(DAY) }],
    ['periodEnd', { periodEnd: fromNow(31 * DAY) }],
    ['periodStart', { periodStart: fromNow(-DAY) }],
    ['status', { status: 'REVOKED' }],
  ])('refuses a grant with a bad %s with 400 naming the field', async (field, overrides) => {
    const response = await call(patient, 'POST', grantUrl(), validGrant(overrides));
    expect(response.statusCode).toBe(400);
    expect(response.json().errors.map((e: { field: string }) => e.field)).toContain(field);
  });

  it('refuses a grant to anyone but a specialist of the tenant with 422 naming specialistUserId', async () => {
    for (const target of [tenant.users.MEMBER!, secondPatient, tenant.users.ADMIN!, other.users.SPECIALIST!]) {
      const response = await call(patient, 'POST', grantUrl(), validGrant({ specialistUserId: target.userId }));
      expect(response.statusCode).toBe(422);
      expect(response.json()).toMatchObject({
        code: 'NOT_A_SPECIALIST',
        errors: [{ field: 'specialistUserId', message: expect.any(String) }],
      });
    }
    const unknown = await call(patient, 'POST', grantUrl(), validGrant({ specialistUserId: randomUUID() }));
    expect(unknown.statusCode).toBe(422);
  });

  it("lets no one but the record's verified patient give a grant", async () => {
    expect((await call(secondPatient, 'POST', grantUrl(), validGrant())).statusCode).toBe(404);
    expect((await call(patient, 'POST', grantUrl(randomUUID()), validGrant())).statusCode).toBe(404);
    for (const staff of [tenant.users.OWNER!, tenant.users.ADMIN!, specialist]) {
      expect((await call(staff, 'POST', grantUrl(), validGrant())).statusCode).toBe(403);
    }
  });

  it('refuses a grant on an unverified record with 403 IDENTITY_NOT_VERIFIED', async () => {
    const newcomer = await addMember(api, tenant, 'PATIENT');
    const pending = await insertRepository(tenant, newcomer, 'PENDING_IDENTITY');
    const response = await call(newcomer, 'POST', grantUrl(pending), validGrant());
    expect(response.statusCode).toBe(403);
    expect(response.json().code).toBe('IDENTITY_NOT_VERIFIED');
    expect(
      await asOwner(
        async (c) => (await c.query('SELECT 1 FROM consent_grants WHERE repository_id = $1', [pending])).rowCount,
      ),
    ).toBe(0);
  });

  it('lists the patient its grants newest first, in pages, filtered by status', async () => {
    const made: string[] = [];
    for (let i = 0; i < 5; i++) made.push((await call(patient, 'POST', grantUrl(), validGrant())).json().id);
    await call(patient, 'POST', `${grantUrl()}/${made[1]}/revoke`, {});

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await call(patient, 'GET', `${grantUrl()}?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.statusCode).toBe(200);
      const body = page.json();
      expect(body.data.length).toBeLessThanOrEqual(2);
      seen.push(...body.data.map((g: { id: string }) => g.id));
      cursor = body.page.nextCursor;
    } while (cursor);
    // Every grant of the record (the first test's too), newest first.
    expect(seen.slice(0, 5)).toEqual([...made].reverse());
    expect(new Set(seen).size).toBe(seen.length);

    const revoked = (await call(patient, 'GET', `${grantUrl()}?status=REVOKED`)).json();
    expect(revoked.data.map((g: { id: string }) => g.id)).toEqual([made[1]]);
    expect((await call(patient, 'GET', `${grantUrl()}?status=GONE`)).statusCode).toBe(400);
    expect((await call(patient, 'GET', `${grantUrl()}?cursor=bogus`)).statusCode).toBe(400);

    // Nobody else lists them: another patient 404; staff and specialists by role 403.
    expect((await call(secondPatient, 'GET', grantUrl())).statusCode).toBe(404);
    expect((await call(tenant.users.OWNER!, 'GET', grantUrl())).statusCode).toBe(403);
    expect((await call(specialist, 'GET', grantUrl())).statusCode).toBe(403);
  });

  it('shows one grant to its patient and to its specialist, and to no one else', async () => {
    const grant = (await call(patient, 'POST', grantUrl(), validGrant())).json();
    const url = `${grantUrl()}/${grant.id}`;
    expect((await call(patient, 'GET', url)).json()).toEqual(grant);
    expect((await call(specialist, 'GET', url)).json()).toMatchObject({ id: grant.id, live: true });
    expect((await call(secondSpecialist, 'GET', url)).statusCode).toBe(404);
    expect((await call(secondPatient, 'GET', url)).statusCode).toBe(404);
    expect((await call(patient, 'GET', `${grantUrl()}/${randomUUID()}`)).statusCode).toBe(404);
    expect((await call(patient, 'GET', `${grantUrl()}/not-a-uuid`)).statusCode).toBe(400);
  });

  it('revokes an ACTIVE grant once (409 after), audited without the reason, notified with ids only', async () => {
    const grant = (await call(patient, 'POST', grantUrl(), validGrant())).json();
    const url = `${grantUrl()}/${grant.id}/revoke`;
    expect((await call(specialist, 'POST', url, {})).statusCode).toBe(403);
    expect((await call(secondPatient, 'POST', url, {})).statusCode).toBe(404);
    expect((await call(patient, 'POST', `${grantUrl()}/${randomUUID()}/revoke`, {})).statusCode).toBe(404);
    expect((await call(patient, 'POST', url, { reason: 'x'.repeat(501) })).statusCode).toBe(400);

    const reason = 'Changed my cardiologist after the arrhythmia';
    const revoked = await call(patient, 'POST', url, { reason });
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json()).toMatchObject({ status: 'REVOKED', live: false, revokeReason: reason });
    expect(revoked.json().revokedAt).toEqual(expect.any(String));

    const again = await call(patient, 'POST', url, {});
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'INVALID_STATE', status: 409, grantStatus: 'REVOKED' });

    // The specialist sees it revoked, without the patient's reason.
    expect((await call(specialist, 'GET', `${grantUrl()}/${grant.id}`)).json()).toMatchObject({
      status: 'REVOKED',
      revokeReason: null,
    });
    const [audit, notices] = await asOwner(async (c) => [
      (
        await c.query(
          `SELECT before, after, metadata FROM audit_log WHERE action = 'consent-grant.revoked' AND resource_id = $1`,
          [grant.id],
        )
      ).rows,
      (
        await c.query(`SELECT payload FROM outbox_messages WHERE payload ->> 'grantId' = $1 ORDER BY created_at`, [
          grant.id,
        ])
      ).rows,
    ]);
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit)).not.toContain('cardiologist');
    expect(audit[0].after).toMatchObject({ status: 'REVOKED', specialistUserId: specialist.userId });
    expect(notices.map((n: { payload: { kind: string } }) => n.payload.kind)).toEqual(['granted', 'revoked']);
  });

  it('revokes once when two revocations race: one 200, one 409, one audit entry, one notice', async () => {
    const grant = (await call(patient, 'POST', grantUrl(), validGrant())).json();
    const url = `${grantUrl()}/${grant.id}/revoke`;
    const answers = await Promise.all([call(patient, 'POST', url, {}), call(patient, 'POST', url, {})]);
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 409]);
    const [audits, notices] = await asOwner(async (c) => [
      (await c.query(`SELECT 1 FROM audit_log WHERE action = 'consent-grant.revoked' AND resource_id = $1`, [grant.id]))
        .rowCount,
      (
        await c.query(
          `SELECT 1 FROM outbox_messages WHERE payload ->> 'grantId' = $1 AND payload ->> 'kind' = 'revoked'`,
          [grant.id],
        )
      ).rowCount,
    ]);
    expect([audits, notices]).toEqual([1, 1]);
  });

  it('lists a specialist the live grants given to them by default, and others by status', async () => {
    const mine = await addMember(api, tenant, 'SPECIALIST');
    const give = async (overrides: object) =>
      (await call(patient, 'POST', grantUrl(), validGrant({ specialistUserId: mine.userId, ...overrides }))).json()
        .id as string;
    const live = await give({});
    const later = await give({ periodStart: fromNow(DAY), periodEnd: fromNow(2 * DAY) });
    const revoked = await give({});
    await call(patient, 'POST', `${grantUrl()}/${revoked}/revoke`, {});
    const lapsed = await insertGrant(tenant, repositoryId, mine, {
      scopes: ['ALLERGIES'],
      periodStart: '-2 days',
      periodEnd: '-1 second',
    });

    const list = async (query = '') =>
      (
        (await call(mine, 'GET', `/specialist/consent-grants${query}`)).json().data as { id: string; live: boolean }[]
      ).map((g) => g.id);
    expect(await list()).toEqual([live]);
    expect((await list('?status=ACTIVE')).sort()).toEqual([live, later, lapsed].sort());
    expect(await list('?status=REVOKED')).toEqual([revoked]);
    const body = (await call(mine, 'GET', '/specialist/consent-grants')).json();
    expect(body.data[0]).toMatchObject({
      repositoryId,
      scopes: ['DIAGNOSES', 'MEDICATIONS'],
      purpose: 'TREAT',
      live: true,
    });

    // Only their own grants, and only for specialists.
    expect(
      (await call(secondSpecialist, 'GET', '/specialist/consent-grants')).json().data.map((g: { id: string }) => g.id),
    ).not.toContain(live);
    expect((await call(patient, 'GET', '/specialist/consent-grants')).statusCode).toBe(403);
    expect((await call(other.users.SPECIALIST!, 'GET', '/specialist/consent-grants')).json().data).toEqual([]);
  });
});
