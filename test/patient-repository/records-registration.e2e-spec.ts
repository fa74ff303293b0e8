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
import {
  activeRepository,
  addMember,
  insertGrant,
  personalInfo,
  registerPatient,
  type PersonalInfoBody,
} from './records-fixtures';

describe('patient repositories: registration, listing and summaries', () => {
  let app: NestFastifyApplication;
  let tenant: TestTenant;

  beforeAll(async () => {
    app = await startApi();
    tenant = await createTenant(app, await createPlatformAdmin(app), [
      'OWNER',
      'ADMIN',
      'MANAGER',
      'MEMBER',
      'PATIENT',
      'SPECIALIST',
    ]);
  });
  afterAll(() => app.close());

  const post = (user: TestUser, payload: object) =>
    app.inject({ method: 'POST', url: '/patient-repositories', payload, headers: bearer(user.accessToken) });
  const get = (user: TestUser, url: string) => app.inject({ method: 'GET', url, headers: bearer(user.accessToken) });

  it('registers a repository as PENDING_IDENTITY and answers with a summary that holds no personal information', async () => {
    const patient = await addMember(app, tenant, 'PATIENT');
    const info = personalInfo();
    const response = await post(tenant.users.MANAGER!, { patientUserId: patient.userId, personalInfo: info });
    expect(response.statusCode).toBe(201);
    const body = response.json();
    expect(body).toEqual({
      id: expect.any(String),
      patientUserId: patient.userId,
      status: 'PENDING_IDENTITY',
      verifiedAt: null,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const row = await asOwner(
      async (c) =>
        (
          await c.query(
            `SELECT personal_info, key_id, identity_hash, registered_by, status FROM patient_repositories WHERE id = $1`,
            [body.id],
          )
        ).rows[0],
    );
    expect(row.personal_info).toMatch(/^k1\./);
    expect(row.key_id).toBeTruthy();
    expect(row.identity_hash).toHaveLength(32);
    expect(row.registered_by).toBe(tenant.users.MANAGER!.userId);
    const audit = await asOwner(
      async (c) =>
        (await c.query(`SELECT action, after::text, metadata::text FROM audit_log WHERE resource_id = $1`, [body.id]))
          .rows,
    );
    expect(audit.map((a) => a.action)).toEqual(['patient-repository.registered']);
    expect(JSON.stringify(audit)).not.toContain(info.legalName.family);
  });

  it('refuses the same person again with 409 DUPLICATE_PATIENT, whatever the spacing, case and accents', async () => {
    const base = personalInfo();
    const info = { ...base, legalName: { ...base.legalName, family: `Núñez García ${base.identifiers[0].value}` } };
    await registerPatient(app, tenant.users.OWNER!, await addMember(app, tenant, 'PATIENT'), info);
    const retyped: PersonalInfoBody = {
      ...personalInfo(),
      legalName: {
        given: info.legalName.given.map((g) => `  ${g.normalize('NFD').replace(/\p{M}/gu, '').toUpperCase()} `),
        family: `  nunez    GARCÍA   ${info.identifiers[0].value.toLowerCase()} `,
      },
      dateOfBirth: info.dateOfBirth,
      identifiers: [
        { system: info.identifiers[0].system.toUpperCase(), value: ` ${info.identifiers[0].value.toLowerCase()} ` },
      ],
    };
    const duplicate = await post(tenant.users.ADMIN!, {
      patientUserId: (await addMember(app, tenant, 'PATIENT')).userId,
      personalInfo: retyped,
    });
    expect(duplicate.statusCode).toBe(409);
    expect(duplicate.json()).toMatchObject({ code: 'DUPLICATE_PATIENT', errors: [{ field: 'personalInfo' }] });
    expect(duplicate.body).not.toContain(info.legalName.family);

    // Another person (another date of birth) is fine.
    const other = await post(tenant.users.ADMIN!, {
      patientUserId: (await addMember(app, tenant, 'PATIENT')).userId,
      personalInfo: { ...retyped, dateOfBirth: '1931-01-01' },
    });
    expect(other.statusCode).toBe(201);
  });

  it('refuses a second repository for the same patient user with 409', async () => {
    const patient = await addMember(app, tenant, 'PATIENT');
    await registerPatient(app, tenant.users.OWNER!, patient);
    const again = await post(tenant.users.OWNER!, { patientUserId: patient.userId, personalInfo: personalInfo() });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'DUPLICATE_PATIENT', errors: [{ field: 'patientUserId' }] });
  });

  it('registers the same person exactly once when registrations race', async () => {
    const info = personalInfo();
    const patients = await Promise.all(Array.from({ length: 6 }, () => addMember(app, tenant, 'PATIENT')));
    const responses = await Promise.all(
      patients.map((p, i) =>
        post(i % 2 ? tenant.users.OWNER! : tenant.users.ADMIN!, { patientUserId: p.userId, personalInfo: info }),
      ),
    );
    expect(responses.map((r) => r.statusCode).sort()).toEqual([201, 409, 409, 409, 409, 409]);
    for (const refused of responses.filter((r) => r.statusCode === 409))
      expect(refused.json().code).toBe('DUPLICATE_PATIENT');
  });

  it('refuses a user who is not a PATIENT member of the tenant with 422 naming patientUserId', async () => {
    const outsider = await createTenant(app, await createPlatformAdmin(app), ['OWNER', 'PATIENT']);
    for (const userId of [
      tenant.users.MEMBER!.userId,
      tenant.users.SPECIALIST!.userId,
      outsider.users.PATIENT!.userId,
      '00000000-0000-4000-8000-000000000000',
    ]) {
      const response = await post(tenant.users.OWNER!, { patientUserId: userId, personalInfo: personalInfo() });
      expect(response.statusCode).toBe(422);
      expect(response.json()).toMatchObject({ code: 'NOT_A_PATIENT', errors: [{ field: 'patientUserId' }] });
    }
  });

  it('answers 400 naming the field for malformed personal information, never echoing the value', async () => {
    const patientUserId = tenant.users.PATIENT!.userId;
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const cases: [Partial<PersonalInfoBody> | Record<string, unknown>, string][] = [
      [{ dateOfBirth: tomorrow }, 'personalInfo.dateOfBirth'],
      [{ dateOfBirth: '1899-12-31' }, 'personalInfo.dateOfBirth'],
      [{ dateOfBirth: '1990-02-30' }, 'personalInfo.dateOfBirth'],
      [{ dateOfBirth: '12/07/1984' }, 'personalInfo.dateOfBirth'],
      [{ sex: 'F' } as never, 'personalInfo.sex'],
      [{ legalName: { given: [], family: 'X' } }, 'personalInfo.legalName.given'],
      [{ legalName: { given: ['a', 'b', 'c', 'd', 'e', 'f'], family: 'X' } }, 'personalInfo.legalName.given'],
      [{ legalName: { given: ['Ann'], family: '1234' } }, 'personalInfo.legalName.family'],
      [{ contact: { phone: '555-1234' } }, 'personalInfo.contact.phone'],
      [{ contact: { email: 'not-an-email' } }, 'personalInfo.contact.email'],
      [
        { address: { line: ['1 Road'], city: 'Porto', postalCode: 'AB1', country: 'pt' } },
        'personalInfo.address.country',
      ],
      [
        { address: { line: ['1 Road'], city: 'Porto', postalCode: 'AB1', country: 'XX' } },
        'personalInfo.address.country',
      ],
      [
        { address: { line: ['1 Road'], city: 'Porto', postalCode: '#?', country: 'PT' } },
        'personalInfo.address.postalCode',
      ],
      [{ identifiers: [] }, 'personalInfo.identifiers'],
      [{ identifiers: [{ system: 'urn:x', value: '' }] }, 'personalInfo.identifiers[0].value'],
    ];
    for (const [override, field] of cases) {
      const response = await post(tenant.users.OWNER!, {
        patientUserId,
        personalInfo: { ...personalInfo(), ...override },
      });
      expect({ field, status: response.statusCode }).toEqual({ field, status: 400 });
      const fields = (response.json().errors as { field: string }[]).map((e) => e.field);
      expect(fields).toContain(field);
      expect(response.body).not.toContain('1899-12-31');
      expect(response.body).not.toContain('555-1234');
    }
    const unknown = await post(tenant.users.OWNER!, { patientUserId, personalInfo: { ...personalInfo(), ssn: '1' } });
    expect(unknown.statusCode).toBe(400);
    const badId = await post(tenant.users.OWNER!, { patientUserId: 'nope', personalInfo: personalInfo() });
    expect(badId.json().errors).toEqual([expect.objectContaining({ field: 'patientUserId' })]);
  });

  it('lets only OWNER, ADMIN and MANAGER register', async () => {
    for (const role of ['MEMBER', 'PATIENT', 'SPECIALIST'] as const) {
      const response = await post(tenant.users[role]!, {
        patientUserId: tenant.users.PATIENT!.userId,
        personalInfo: personalInfo(),
      });
      expect(response.statusCode).toBe(403);
    }
  });

  it('lists by role: staff see every repository, a patient their own, a specialist those shared with them', async () => {
    const own = await createTenant(app, await createPlatformAdmin(app), ['OWNER', 'MANAGER', 'MEMBER', 'SPECIALIST']);
    const a = await activeRepository(app, own);
    const b = await activeRepository(app, own);
    const c = await activeRepository(app, own);
    const specialist = own.users.SPECIALIST!;
    const grantId = await insertGrant(own.id, b.repositoryId, specialist.userId, ['DIAGNOSES', 'ALLERGIES']);
    // Not live: expired by period (still ACTIVE), not yet started, revoked.
    await insertGrant(own.id, a.repositoryId, specialist.userId, ['DIAGNOSES'], {
      start: new Date(Date.now() - 7_200_000),
      end: new Date(Date.now() - 1_000),
    });
    await insertGrant(own.id, c.repositoryId, specialist.userId, ['DIAGNOSES'], {
      start: new Date(Date.now() + 3_600_000),
      end: new Date(Date.now() + 7_200_000),
    });

    const staff = await get(own.users.MANAGER!, '/patient-repositories?limit=2');
    expect(staff.statusCode).toBe(200);
    expect(staff.json().data.map((r: { id: string }) => r.id)).toEqual([c.repositoryId, b.repositoryId]);
    expect(staff.json().data[0]).not.toHaveProperty('grants');
    const next = await get(own.users.MANAGER!, `/patient-repositories?limit=2&cursor=${staff.json().page.nextCursor}`);
    expect(next.json()).toEqual({
      data: [expect.objectContaining({ id: a.repositoryId, status: 'ACTIVE', patientUserId: a.patient.userId })],
      page: { nextCursor: null, limit: 2 },
    });

    const mine = await get(b.patient, '/patient-repositories');
    expect(mine.json().data.map((r: { id: string }) => r.id)).toEqual([b.repositoryId]);

    const shared = await get(specialist, '/patient-repositories');
    expect(shared.json().data).toEqual([
      expect.objectContaining({
        id: b.repositoryId,
        grants: [
          {
            id: grantId,
            scopes: ['DIAGNOSES', 'ALLERGIES'],
            purpose: 'TREAT',
            periodStart: expect.any(String),
            periodEnd: expect.any(String),
          },
        ],
      }),
    ]);
    expect(JSON.stringify(shared.json())).not.toContain(b.info.legalName.family);

    expect((await get(own.users.MEMBER!, '/patient-repositories')).statusCode).toBe(403);
    expect((await get(own.users.MANAGER!, '/patient-repositories?cursor=bad!')).statusCode).toBe(400);
  });

  it('shows a summary to staff, the patient and a specialist with a live grant; 404 to anyone else', async () => {
    const { repositoryId, patient } = await activeRepository(app, tenant);
    const otherPatient = await addMember(app, tenant, 'PATIENT');
    const specialist = await addMember(app, tenant, 'SPECIALIST');
    const url = `/patient-repositories/${repositoryId}`;
    for (const user of [tenant.users.OWNER!, tenant.users.MANAGER!, patient]) {
      const response = await get(user, url);
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ id: repositoryId, status: 'ACTIVE', verifiedAt: expect.any(String) });
    }
    expect((await get(otherPatient, url)).statusCode).toBe(404);
    expect((await get(specialist, url)).statusCode).toBe(404);
    await insertGrant(tenant.id, repositoryId, specialist.userId, ['VITAL_SIGNS']);
    expect((await get(specialist, url)).statusCode).toBe(200);
    expect((await get(tenant.users.MEMBER!, url)).statusCode).toBe(403);
    expect(
      (await get(tenant.users.OWNER!, '/patient-repositories/00000000-0000-4000-8000-000000000000')).statusCode,
    ).toBe(404);
    expect((await get(tenant.users.OWNER!, '/patient-repositories/not-a-uuid')).statusCode).toBe(400);

    // Another tenant's staff cannot see it.
    const other = await createTenant(app, await createPlatformAdmin(app), ['OWNER']);
    expect((await get(other.users.OWNER!, url)).statusCode).toBe(404);
  });
});
