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
import { addMember, DAY, insertGrant, insertRepository } from './consent-fixtures';

interface LogEntry {
  id: string;
  actorId: string | null;
  actorType: string;
  actorRole: string | null;
  actorDisplayName: string | null;
  action: string;
  categories: string[];
  grantId: string | null;
  purpose: string | null;
  outcome: string;
  reason: string | null;
  ip: string | null;
  userAgent: string | null;
  occurredAt: string;
}

describe('the access log ("who viewed my record")', () => {
  let api: NestFastifyApplication;
  let tenant: TestTenant;
  let patient: TestUser;
  let specialist: TestUser;
  let otherPatient: TestUser;
  let repositoryId: string;
  let grantId: string;

  beforeAll(async () => {
    api = await startApi();
    const admin = await createPlatformAdmin(api);
    tenant = await createTenant(api, admin, ['OWNER', 'ADMIN', 'MANAGER', 'PATIENT', 'SPECIALIST']);
    patient = tenant.users.PATIENT!;
    specialist = tenant.users.SPECIALIST!;
    otherPatient = await addMember(api, tenant, 'PATIENT');
    repositoryId = await insertRepository(tenant, patient);
    grantId = await insertGrant(tenant, repositoryId, specialist, {
      scopes: ['DIAGNOSES'],
      periodStart: '-1 hour',
      periodEnd: `${DAY / 1000} seconds`,
    });
    // Reads through the real routes: the patient's own, the specialist's under the grant and
    // outside it, another patient's probe.
    const read = (user: TestUser, path: string) =>
      api.inject({
        method: 'GET',
        url: `/patient-repositories/${repositoryId}/${path}`,
        headers: { ...bearer(user.accessToken), 'user-agent': 'log-test' },
        remoteAddress: '198.51.100.4',
      });
    expect((await read(patient, 'diagnoses')).statusCode).toBe(200);
    expect((await read(specialist, 'diagnoses')).statusCode).toBe(200);
    expect((await read(specialist, 'allergies')).statusCode).toBe(403);
    expect((await read(otherPatient, 'medications')).statusCode).toBe(404);
  });
  afterAll(async () => {
    await api.close();
  });

  const logOf = (user: TestUser, query = '', repository = repositoryId) =>
    api.inject({
      method: 'GET',
      url: `/patient-repositories/${repository}/access-log${query}`,
      headers: bearer(user.accessToken),
    });

  it('shows the patient every read of their record, newest first, with who, what, grant, outcome, IP and user agent', async () => {
    const response = await logOf(patient);
    expect(response.statusCode).toBe(200);
    const entries = response.json().data as LogEntry[];
    expect(entries.map((e) => [e.actorId, e.action, e.categories, e.outcome, e.reason])).toEqual([
      [otherPatient.userId, 'LIST', ['MEDICATIONS'], 'DENIED', 'NOT_THE_PATIENT'],
      [specialist.userId, 'LIST', ['ALLERGIES'], 'DENIED', 'SCOPE_NOT_GRANTED'],
      [specialist.userId, 'LIST', ['DIAGNOSES'], 'ALLOWED', null],
      [patient.userId, 'LIST', ['DIAGNOSES'], 'ALLOWED', null],
    ]);
    expect(entries[2]).toMatchObject({
      actorType: 'USER',
      actorRole: 'SPECIALIST',
      actorDisplayName: specialist.email.split('@')[0],
      grantId,
      purpose: 'TREAT',
      ip: '198.51.100.4',
      userAgent: 'log-test',
    });
    // Reading the log is not a read of health data: it adds nothing to the log.
    expect((await logOf(patient)).json().data).toHaveLength(4);
  });

  it('pages newest first and filters by outcome and actor', async () => {
    const first = (await logOf(patient, '?limit=3')).json();
    expect(first.data).toHaveLength(3);
    const second = (await logOf(patient, `?limit=3&cursor=${first.page.nextCursor}`)).json();
    expect(second.data).toHaveLength(1);
    expect(second.page.nextCursor).toBeNull();
    const all = [...first.data, ...second.data] as LogEntry[];
    expect(new Set(all.map((e) => e.id)).size).toBe(4);
    const times = all.map((e) => Date.parse(e.occurredAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);

    expect(((await logOf(patient, '?outcome=DENIED')).json().data as LogEntry[]).map((e) => e.reason)).toEqual([
      'NOT_THE_PATIENT',
      'SCOPE_NOT_GRANTED',
    ]);
    expect((await logOf(patient, `?actorId=${specialist.userId}`)).json().data).toHaveLength(2);
    for (const bad of ['?outcome=MAYBE', '?actorId=someone', '?limit=0', '?cursor=%%%']) {
      expect((await logOf(patient, bad)).statusCode).toBe(400);
    }
  });

  it('lets tenant admins read it for compliance, auditing each reading', async () => {
    for (const role of ['OWNER', 'ADMIN'] as const) {
      const response = await logOf(tenant.users[role]!);
      expect(response.statusCode).toBe(200);
      expect(response.json().data).toHaveLength(4);
    }
    const audits = await asOwner(
      async (c) =>
        (await c.query(`SELECT actor_id, resource_id FROM audit_log WHERE action = 'phi-access-log.read' ORDER BY seq`))
          .rows,
    );
    expect(audits).toEqual([
      { actor_id: tenant.users.OWNER!.userId, resource_id: repositoryId },
      { actor_id: tenant.users.ADMIN!.userId, resource_id: repositoryId },
    ]);
  });

  it('is refused to everyone else: another patient and unknown ids 404, other roles 403', async () => {
    expect((await logOf(otherPatient)).statusCode).toBe(404);
    expect((await logOf(patient, '', randomUUID())).statusCode).toBe(404);
    expect((await logOf(tenant.users.OWNER!, '', randomUUID())).statusCode).toBe(404);
    expect((await logOf(specialist)).statusCode).toBe(403);
    expect((await logOf(tenant.users.MANAGER!)).statusCode).toBe(403);
    expect((await logOf(patient, '', 'not-a-uuid')).statusCode).toBe(400);
  });

  it('answers a patient whose identity is not verified yet 403 IDENTITY_NOT_VERIFIED', async () => {
    const newcomer = await addMember(api, tenant, 'PATIENT');
    const pending = await insertRepository(tenant, newcomer, 'PENDING_IDENTITY');
    const response = await logOf(newcomer, '', pending);
    expect(response.statusCode).toBe(403);
    expect(response.json().code).toBe('IDENTITY_NOT_VERIFIED');
  });

  it("keeps an erased record's log readable by admins (ids only), not by its former patient", async () => {
    const leaving = await addMember(api, tenant, 'PATIENT');
    const erased = await insertRepository(tenant, leaving);
    await api.inject({
      method: 'GET',
      url: `/patient-repositories/${erased}/diagnoses`,
      headers: bearer(leaving.accessToken),
    });
    await asOwner((c) =>
      c.query(
        `UPDATE patient_repositories SET status = 'ERASED', personal_info = NULL, identity_hash = NULL, key_id = NULL,
                erased_at = now(), erased_by = $2 WHERE id = $1`,
        [erased, tenant.users.OWNER!.userId],
      ),
    );
    expect((await logOf(leaving, '', erased)).statusCode).toBe(404);
    const admin = await logOf(tenant.users.ADMIN!, '', erased);
    expect(admin.statusCode).toBe(200);
    expect(admin.json().data).toEqual([expect.objectContaining({ actorId: leaving.userId, outcome: 'ALLOWED' })]);
  });
});
