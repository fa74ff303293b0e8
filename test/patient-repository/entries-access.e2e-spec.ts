import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { asOwner, createApiKey } from '../support/identity-fixtures';
import { startApi } from '../support/test-apps';
import {
  activeRepository,
  addMember,
  call,
  entriesWorld,
  grantConsent,
  SAMPLES,
  type EntriesWorld,
} from './entries-fixtures';

const accessLog = (repositoryId: string) =>
  asOwner((c) =>
    c.query<{
      actor_id: string;
      action: string;
      categories: string;
      outcome: string;
      reason: string | null;
      grant_id: string | null;
      resource_id: string | null;
    }>(
      `SELECT actor_id, action, categories::text, outcome, reason, grant_id, resource_id
         FROM phi_access_log WHERE repository_id = $1 ORDER BY occurred_at, id`,
      [repositoryId],
    ),
  ).then((r) => r.rows);

describe('clinical entries: who may read and write them, and concurrent changes', () => {
  let app: NestFastifyApplication;
  let world: EntriesWorld;
  let base: string;
  let diagnosisId: string;
  let medicationId: string;

  beforeAll(async () => {
    app = await startApi();
    world = await entriesWorld(app);
    base = `/patient-repositories/${world.repositoryId}`;
    const token = world.patient.accessToken;
    diagnosisId = (await call(app, 'POST', `${base}/diagnoses`, token, SAMPLES.diagnoses.create)).body.id;
    medicationId = (await call(app, 'POST', `${base}/medications`, token, SAMPLES.medications.create)).body.id;
  });
  afterAll(() => app.close());

  it('answers another patient 404, reading or writing, and logs the refused read', async () => {
    const other = await addMember(app, world.tenant, 'PATIENT');
    await activeRepository(app, world.tenant, other.userId);
    expect((await call(app, 'GET', `${base}/diagnoses`, other.accessToken)).status).toBe(404);
    expect((await call(app, 'GET', `${base}/diagnoses/${diagnosisId}`, other.accessToken)).status).toBe(404);
    expect((await call(app, 'POST', `${base}/diagnoses`, other.accessToken, SAMPLES.diagnoses.create)).status).toBe(
      404,
    );
    expect(
      (await call(app, 'PUT', `${base}/diagnoses/${diagnosisId}`, other.accessToken, SAMPLES.diagnoses.update)).status,
    ).toBe(404);
    expect((await call(app, 'DELETE', `${base}/diagnoses/${diagnosisId}`, other.accessToken)).status).toBe(404);
    const log = await accessLog(world.repositoryId);
    expect(log.filter((r) => r.actor_id === other.userId)).toEqual([
      expect.objectContaining({ action: 'LIST', outcome: 'DENIED', reason: 'NOT_THE_PATIENT' }),
      expect.objectContaining({
        action: 'READ',
        outcome: 'DENIED',
        reason: 'NOT_THE_PATIENT',
        resource_id: diagnosisId,
      }),
    ]);
  });

  it('refuses staff health data with 403, and API keys', async () => {
    const owner = world.tenant.users.OWNER!.accessToken;
    expect((await call(app, 'GET', `${base}/diagnoses`, owner)).status).toBe(403);
    expect((await call(app, 'POST', `${base}/diagnoses`, owner, SAMPLES.diagnoses.create)).status).toBe(403);
    expect((await call(app, 'GET', `${base}/export`, owner)).status).toBe(403);
    const key = await createApiKey(app, world.tenant, ['read', 'write']);
    expect((await call(app, 'GET', `${base}/diagnoses`, key.key)).status).toBe(403);
  });

  it('lets a specialist read only the categories a live grant covers, and never write', async () => {
    const specialist = world.specialist;
    const token = specialist.accessToken;
    expect((await call(app, 'GET', `${base}/diagnoses`, token)).status).toBe(404);
    // Without a grant the record is not theirs to know of: a write is the unknown id's 404 too.
    expect((await call(app, 'POST', `${base}/diagnoses`, token, SAMPLES.diagnoses.create)).status).toBe(404);
    const grantId = await grantConsent(world, specialist.userId, ['DIAGNOSES', 'ALLERGIES']);

    const list = await call(app, 'GET', `${base}/diagnoses`, token);
    expect(list.status).toBe(200);
    expect(list.body.data.map((e: { id: string }) => e.id)).toEqual([diagnosisId]);
    expect((await call(app, 'GET', `${base}/diagnoses/${diagnosisId}`, token)).status).toBe(200);
    expect((await call(app, 'GET', `${base}/diagnoses/${diagnosisId}/history`, token)).status).toBe(200);

    const refused = await call(app, 'GET', `${base}/medications`, token);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ code: 'SCOPE_NOT_GRANTED', categories: ['MEDICATIONS'] });
    expect((await call(app, 'GET', `${base}/medications/${medicationId}`, token)).status).toBe(403);

    expect((await call(app, 'POST', `${base}/diagnoses`, token, SAMPLES.diagnoses.create)).status).toBe(403);
    expect((await call(app, 'PUT', `${base}/diagnoses/${diagnosisId}`, token, SAMPLES.diagnoses.update)).status).toBe(
      403,
    );
    expect((await call(app, 'DELETE', `${base}/diagnoses/${diagnosisId}`, token)).status).toBe(403);

    const log = (await accessLog(world.repositoryId)).filter((r) => r.actor_id === specialist.userId);
    expect(log).toEqual([
      expect.objectContaining({ action: 'LIST', outcome: 'DENIED', reason: 'NO_LIVE_GRANT' }),
      expect.objectContaining({ action: 'LIST', outcome: 'ALLOWED', grant_id: grantId, categories: '{DIAGNOSES}' }),
      expect.objectContaining({ action: 'READ', outcome: 'ALLOWED', resource_id: diagnosisId }),
      expect.objectContaining({ action: 'HISTORY', outcome: 'ALLOWED', resource_id: diagnosisId }),
      expect.objectContaining({ action: 'LIST', outcome: 'DENIED', reason: 'SCOPE_NOT_GRANTED' }),
      expect.objectContaining({
        action: 'READ',
        outcome: 'DENIED',
        reason: 'SCOPE_NOT_GRANTED',
        resource_id: medicationId,
      }),
    ]);
  });

  it('refuses a grant past its period at once, before any expiry job runs', async () => {
    const specialist = await addMember(app, world.tenant, 'SPECIALIST');
    await grantConsent(world, specialist.userId, ['DIAGNOSES'], 1_000);
    expect((await call(app, 'GET', `${base}/diagnoses`, specialist.accessToken)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect((await call(app, 'GET', `${base}/diagnoses`, specialist.accessToken)).status).toBe(404);
  });

  it('refuses a revoked grant at once', async () => {
    const specialist = await addMember(app, world.tenant, 'SPECIALIST');
    const grantId = await grantConsent(world, specialist.userId, ['DIAGNOSES']);
    expect((await call(app, 'GET', `${base}/diagnoses/${diagnosisId}`, specialist.accessToken)).status).toBe(200);
    await asOwner((c) =>
      c.query("UPDATE consent_grants SET status = 'REVOKED', revoked_at = now() WHERE id = $1", [grantId]),
    );
    expect((await call(app, 'GET', `${base}/diagnoses/${diagnosisId}`, specialist.accessToken)).status).toBe(404);
  });

  it('serialises concurrent updates: every version distinct, none lost, all in the history', async () => {
    const token = world.patient.accessToken;
    const created = await call(app, 'POST', `${base}/vital-signs`, token, {
      type: 'HEART_RATE',
      value: 60,
      measuredAt: '2026-11-20T08:00:00Z',
    });
    const url = `${base}/vital-signs/${created.body.id}`;
    const values = Array.from({ length: 12 }, (_, i) => 61 + i);
    const results = await Promise.all(
      values.map((value) =>
        call(app, 'PUT', url, token, { type: 'HEART_RATE', value, measuredAt: '2026-11-20T08:00:00Z' }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(values.map(() => 200));
    const versions = results.map((r) => r.body.version).sort((a, b) => a - b);
    expect(versions).toEqual(values.map((_, i) => i + 2));

    const history = await call(app, 'GET', `${url}/history?limit=100`, token);
    expect(history.body.data.map((v: { version: number }) => v.version)).toEqual([1, ...versions]);
    // Each version holds the value of the request that wrote it.
    const byVersion = new Map(results.map((r) => [r.body.version, r.body.content.value]));
    for (const v of history.body.data.slice(1)) expect(v.content.value).toBe(byVersion.get(v.version));
    const current = await call(app, 'GET', url, token);
    expect(current.body).toMatchObject({ version: 13, content: { value: byVersion.get(13) } });
  });

  it('lets exactly one of several changes conditional on the same version win', async () => {
    const token = world.patient.accessToken;
    const created = await call(app, 'POST', `${base}/allergies`, token, SAMPLES.allergies.create);
    const url = `${base}/allergies/${created.body.id}`;
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        call(app, 'PUT', url, token, { ...SAMPLES.allergies.update, reaction: `reaction ${i}` }, { 'if-match': '"1"' }),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 409, 409, 409, 409, 409, 409, 409]);
    const deletes = await Promise.all(
      [1, 2].map(() => call(app, 'DELETE', url, token, undefined, { 'if-match': '"2"' })),
    );
    // The loser finds the entry deleted: 404, as for any deleted entry.
    expect(deletes.map((r) => r.status).sort()).toEqual([204, 404]);
    const history = await call(app, 'GET', `${url}/history`, token);
    expect(history.body.data.map((v: { change: string }) => v.change)).toEqual(['CREATED', 'UPDATED', 'DELETED']);
  });
});
