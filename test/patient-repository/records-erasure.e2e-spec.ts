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
import { activeRepository, addMember, insertGrant, registerPatient } from './records-fixtures';

describe('erasure of a repository', () => {
  let app: NestFastifyApplication;
  let tenant: TestTenant;

  beforeAll(async () => {
    app = await startApi();
    tenant = await createTenant(app, await createPlatformAdmin(app), ['OWNER', 'ADMIN', 'MANAGER']);
  });
  afterAll(() => app.close());

  const call = (user: TestUser, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object) =>
    app.inject({ method, url, payload, headers: bearer(user.accessToken) });

  /** Row counts of everything that hangs off the repository, read as the table owner. */
  const countsOf = (repositoryId: string) =>
    asOwner(async (c) => {
      const { rows } = await c.query(
        `SELECT (SELECT count(*) FROM patient_entries WHERE repository_id = $1)::int AS entries,
                (SELECT count(*) FROM patient_entry_versions v JOIN patient_entries e ON e.id = v.entry_id
                  WHERE e.repository_id = $1)::int AS versions,
                (SELECT count(*) FROM identity_challenges WHERE repository_id = $1)::int AS challenges,
                (SELECT count(*) FROM consent_grants WHERE repository_id = $1)::int AS grants,
                (SELECT count(*) FROM patient_analyses WHERE repository_id = $1)::int AS analyses,
                (SELECT count(*) FROM analysis_findings f JOIN patient_analyses a ON a.id = f.analysis_id
                  WHERE a.repository_id = $1)::int AS findings,
                (SELECT count(*) FROM phi_access_log WHERE repository_id = $1)::int AS access_log,
                (SELECT count(*) FROM audit_log WHERE resource_id = $1::text)::int AS audit_log`,
        [repositoryId],
      );
      return rows[0];
    });

  it('removes health data and personal information for good, keeps the logs, and answers 404 afterwards', async () => {
    const { repositoryId, patient, info } = await activeRepository(app, tenant);
    const specialist = await addMember(app, tenant, 'SPECIALIST');
    const grantId = await insertGrant(tenant.id, repositoryId, specialist.userId, ['DIAGNOSES', 'PERSONAL_INFO']);

    // Entries through the entries routes (two versions of one), reads that leave access-log rows.
    const diagnosis = await call(patient, 'POST', `/patient-repositories/${repositoryId}/diagnoses`, {
      icd10Code: 'E11.9',
      description: 'Type 2 diabetes mellitus',
      status: 'ACTIVE',
    });
    expect(diagnosis.statusCode).toBe(201);
    const entryId = diagnosis.json().id;
    expect(
      (
        await call(patient, 'PUT', `/patient-repositories/${repositoryId}/diagnoses/${entryId}`, {
          icd10Code: 'E11.9',
          description: 'Type 2 diabetes mellitus, controlled',
          status: 'ACTIVE',
        })
      ).statusCode,
    ).toBe(200);
    expect((await call(specialist, 'GET', `/patient-repositories/${repositoryId}/personal-info`)).statusCode).toBe(200);

    // An analysis with a finding, a run and a cost, as the analysis job leaves them.
    await asOwner(async (c) => {
      const { rows } = await c.query(
        `INSERT INTO patient_analyses (tenant_id, repository_id, kind, priority, status, requested_by, requested_by_type, finished_at)
         VALUES ($1, $2, 'RECORD_SUMMARY', 5, 'COMPLETED', $3, 'USER', now()) RETURNING id`,
        [tenant.id, repositoryId, patient.userId],
      );
      await c.query(
        `INSERT INTO analysis_findings (tenant_id, analysis_id, code, severity, message) VALUES ($1, $2, 'SUMMARY', 'INFO', 'counts')`,
        [tenant.id, rows[0].id],
      );
      await c.query(
        `INSERT INTO analysis_runs (tenant_id, analysis_id, kind, attempt, outcome, duration_ms, started_at, finished_at)
         VALUES ($1, $2, 'RECORD_SUMMARY', 1, 'COMPLETED', 3, now(), now())`,
        [tenant.id, rows[0].id],
      );
      await c.query(
        `INSERT INTO analysis_costs (tenant_id, analysis_id, kind, model, input_tokens, output_tokens, cost)
         VALUES ($1, $2, 'MODEL_REVIEW', 'm', 10, 5, 0.01)`,
        [tenant.id, rows[0].id],
      );
    });
    const before = await countsOf(repositoryId);
    expect(before).toMatchObject({ entries: 1, versions: 2, challenges: 1, grants: 1, analyses: 1, findings: 1 });

    expect((await call(tenant.users.MANAGER!, 'DELETE', `/patient-repositories/${repositoryId}`)).statusCode).toBe(403);
    const erased = await call(tenant.users.ADMIN!, 'DELETE', `/patient-repositories/${repositoryId}`);
    expect(erased.statusCode).toBe(204);

    const after = await countsOf(repositoryId);
    expect(after).toMatchObject({ entries: 0, versions: 0, challenges: 0, grants: 0, analyses: 0, findings: 0 });
    expect(after.access_log).toBe(before.access_log);
    expect(after.audit_log).toBe(before.audit_log + 1);
    const tombstone = await asOwner(
      async (c) => (await c.query('SELECT * FROM patient_repositories WHERE id = $1', [repositoryId])).rows[0],
    );
    expect(tombstone).toMatchObject({
      status: 'ERASED',
      personal_info: null,
      identity_hash: null,
      key_id: null,
      erased_by: tenant.users.ADMIN!.userId,
      erased_at: expect.any(Date),
    });
    const books = await asOwner(
      async (c) =>
        (
          await c.query(
            `SELECT (SELECT count(*) FROM analysis_runs WHERE tenant_id = $1)::int AS runs,
                    (SELECT count(*) FROM analysis_costs WHERE tenant_id = $1)::int AS costs`,
            [tenant.id],
          )
        ).rows[0],
    );
    expect(books).toEqual({ runs: 1, costs: 1 });
    const audit = await asOwner(
      async (c) =>
        (
          await c.query(
            `SELECT before, after, metadata, row_to_json(a)::text AS text FROM audit_log a WHERE resource_id = $1 AND action = 'patient-repository.erased'`,
            [repositoryId],
          )
        ).rows[0],
    );
    expect(audit.metadata).toEqual({ deleted: { entries: 1, challenges: 1, grants: 1, analyses: 1 } });
    expect(audit.text).not.toContain(info.legalName.family);

    // Gone for everyone, everywhere.
    for (const [user, url] of [
      [tenant.users.OWNER!, `/patient-repositories/${repositoryId}`],
      [patient, `/patient-repositories/${repositoryId}`],
      [patient, `/patient-repositories/${repositoryId}/personal-info`],
      [specialist, `/patient-repositories/${repositoryId}/personal-info`],
      [patient, `/patient-repositories/${repositoryId}/diagnoses`],
      [patient, `/patient-repositories/${repositoryId}/diagnoses/${entryId}`],
    ] as const) {
      expect({ url, status: (await call(user, 'GET', url)).statusCode }).toEqual({ url, status: 404 });
    }
    expect((await call(patient, 'POST', `/patient-repositories/${repositoryId}/identity-challenges`)).statusCode).toBe(
      404,
    );
    expect((await call(tenant.users.OWNER!, 'DELETE', `/patient-repositories/${repositoryId}`)).statusCode).toBe(404);
    const listed = (await call(tenant.users.OWNER!, 'GET', '/patient-repositories?limit=100')).json();
    expect(listed.data.map((r: { id: string }) => r.id)).not.toContain(repositoryId);
    expect((await call(specialist, 'GET', '/patient-repositories')).json().data).toEqual([]);
    expect(grantId).toBeTruthy();

    // The same person and the same patient user may be registered again.
    const again = await registerPatient(app, tenant.users.OWNER!, patient, info);
    expect(again.id).not.toBe(repositoryId);
    expect(again.status).toBe('PENDING_IDENTITY');
  });

  it('answers 404 for an unknown id and 400 for a malformed one', async () => {
    expect(
      (await call(tenant.users.OWNER!, 'DELETE', '/patient-repositories/00000000-0000-4000-8000-000000000000'))
        .statusCode,
    ).toBe(404);
    expect((await call(tenant.users.OWNER!, 'DELETE', '/patient-repositories/nope')).statusCode).toBe(400);
    const other = await createTenant(app, await createPlatformAdmin(app), ['OWNER']);
    const { repositoryId } = await activeRepository(app, tenant);
    expect((await call(other.users.OWNER!, 'DELETE', `/patient-repositories/${repositoryId}`)).statusCode).toBe(404);
  });
});
