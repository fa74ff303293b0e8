import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { asOwner, bearer, type TestUser } from '../support/identity-fixtures';
import { startApi, startWorker, waitFor } from '../support/test-apps';
import {
  ALL_ENTRY_SCOPES,
  analysisRow,
  analysisWorld,
  grant,
  insertEntries,
  runsOf,
  SAMPLE_ENTRIES,
  type AnalysisWorld,
} from './analysis-fixtures';
import { accessLogOf, addMember, insertGrant, DAY, insertRepository } from './consent-fixtures';

/**
 * POST /analyses/batch: several analyses in one request, all or nothing, each item through the
 * same consent check and access log as POST /patient-repositories/{id}/analyses.
 */
describe('analyses: a batch of requests', () => {
  const MAX_ITEMS = 5;
  let api: NestFastifyApplication;
  let world: AnalysisWorld;
  /** A second patient of the tenant with a record of their own. */
  let other: { patient: TestUser; repositoryId: string };

  beforeAll(async () => {
    api = await startApi({ ANALYSIS_BATCH_MAX_ITEMS: String(MAX_ITEMS) });
    world = await analysisWorld(api);
    const patient = await addMember(api, world.tenant, 'PATIENT');
    const repositoryId = await insertRepository(world.tenant, patient);
    await insertEntries(api, world.tenant.id, repositoryId, patient.userId, SAMPLE_ENTRIES);
    other = { patient, repositoryId };
  });
  afterAll(async () => {
    await api?.close();
  });

  const batch = (user: { accessToken: string }, items: unknown) =>
    api.inject({ method: 'POST', url: '/analyses/batch', payload: { items }, headers: bearer(user.accessToken) });

  const counts = () =>
    asOwner(
      async (c) =>
        (
          await c.query<{ analyses: number; outbox: number }>(
            `SELECT (SELECT count(*)::int FROM patient_analyses) AS analyses,
                    (SELECT count(*)::int FROM outbox_messages WHERE job_name = 'analysis-run') AS outbox`,
          )
        ).rows[0],
    );

  it("queues a specialist's analyses over the records shared with them, in order, each under its record's grant: rows, outbox jobs, audit entries, access-log rows", async () => {
    const specialist = await addMember(api, world.tenant, 'SPECIALIST');
    const grantA = await grant(world, ['MEDICATIONS', 'ALLERGIES'], specialist);
    // On the other record, two live grants: the one covering the analyser's categories is the one used.
    await insertGrant(world.tenant, other.repositoryId, specialist, {
      scopes: ['DIAGNOSES'],
      periodStart: '-1 minute',
      periodEnd: `${(60 * DAY) / 1000} seconds`,
    });
    const grantB = await insertGrant(world.tenant, other.repositoryId, specialist, {
      scopes: ['MEDICATIONS', 'ALLERGIES', 'DIAGNOSES'],
      periodStart: '-1 minute',
      periodEnd: `${(30 * DAY) / 1000} seconds`,
    });
    const items = [
      { repositoryId: world.repositoryId, kind: 'DRUG_ALLERGY', priority: 2 },
      { repositoryId: other.repositoryId, kind: 'DRUG_ALLERGY', priority: 7 },
      { repositoryId: world.repositoryId, kind: 'DUPLICATE_THERAPY', priority: 5 },
    ];
    const response = await batch(specialist, items);
    expect(response.statusCode).toBe(201);
    const created = response.json().items as { id: string; repositoryId: string; kind: string; grantId: string }[];
    expect(created).toHaveLength(3);
    expect(created.map((a) => [a.repositoryId, a.kind, a.grantId])).toEqual([
      [world.repositoryId, 'DRUG_ALLERGY', grantA],
      [other.repositoryId, 'DRUG_ALLERGY', grantB],
      [world.repositoryId, 'DUPLICATE_THERAPY', grantA],
    ]);
    expect(created[1]).toMatchObject({
      priority: 7,
      status: 'QUEUED',
      requestedBy: specialist.userId,
      requestedByType: 'SPECIALIST',
    });
    const ids = created.map((a) => a.id);

    const outbox = await asOwner(
      async (c) =>
        (await c.query('SELECT id, payload, options FROM outbox_messages WHERE id = ANY($1::uuid[])', [ids])).rows,
    );
    expect(outbox).toHaveLength(3);
    for (const [i, id] of ids.entries()) {
      const message = outbox.find((m) => m.id === id);
      expect(message.payload).toMatchObject({ analysisId: id, tenantId: world.tenant.id });
      expect(message.options).toEqual({
        priority: items[i].priority,
        attempts: 3,
        backoff: { type: 'exponential', delay: 2000 },
        timeout: 120000,
      });
    }

    const audit = await asOwner(
      async (c) =>
        (
          await c.query(
            `SELECT action, resource_id, actor_id, after, metadata FROM audit_log
              WHERE resource_id = ANY($1::text[]) ORDER BY seq`,
            [ids],
          )
        ).rows,
    );
    expect(audit).toEqual(
      ids.map((id, i) =>
        expect.objectContaining({
          action: 'patient-analysis.requested',
          resource_id: id,
          actor_id: specialist.userId,
          after: { ...items[i], status: 'QUEUED', estimatedCost: 0 },
          metadata: { grantId: created[i].grantId },
        }),
      ),
    );

    // One row per item (rows of one transaction share their time, so the log's order among them is the ids').
    const logA = (await accessLogOf(world.repositoryId)).filter((r) => ids.includes(r.resource_id!));
    expect(logA).toHaveLength(2);
    expect(logA).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          actor_id: specialist.userId,
          action: 'ANALYSIS',
          resource_id: ids[0],
          grant_id: grantA,
          outcome: 'ALLOWED',
          categories: ['ALLERGIES', 'MEDICATIONS'],
        }),
        expect.objectContaining({
          resource_id: ids[2],
          grant_id: grantA,
          outcome: 'ALLOWED',
          categories: ['MEDICATIONS'],
        }),
      ]),
    );
    const logB = (await accessLogOf(other.repositoryId)).filter((r) => ids.includes(r.resource_id!));
    expect(logB).toEqual([expect.objectContaining({ resource_id: ids[1], grant_id: grantB, outcome: 'ALLOWED' })]);
  });

  it('queues several kinds over a patient’s own record', async () => {
    const response = await batch(world.patient, [
      { repositoryId: world.repositoryId, kind: 'VITAL_SIGNS', priority: 1 },
      { repositoryId: world.repositoryId, kind: 'IMMUNIZATIONS', priority: 10 },
    ]);
    expect(response.statusCode).toBe(201);
    expect(response.json().items).toEqual([
      expect.objectContaining({ kind: 'VITAL_SIGNS', priority: 1, requestedByType: 'PATIENT', grantId: null }),
      expect.objectContaining({ kind: 'IMMUNIZATIONS', priority: 10, requestedByType: 'PATIENT', grantId: null }),
    ]);
  });

  it('refuses the whole batch when an item is refused, naming every refused item; queues nothing; logs and audits the refusals', async () => {
    const specialist = await addMember(api, world.tenant, 'SPECIALIST');
    await grant(world, ['DIAGNOSES'], specialist);
    const before = await counts();
    const items = [
      // A grant that misses the analyser's categories (VITAL_SIGNS): 403.
      { repositoryId: world.repositoryId, kind: 'VITAL_SIGNS', priority: 5 },
      // No grant on the other record: 404, as for a single request.
      { repositoryId: other.repositoryId, kind: 'VITAL_SIGNS', priority: 5 },
      // The same again for MEDICATIONS and ALLERGIES.
      { repositoryId: world.repositoryId, kind: 'DRUG_ALLERGY', priority: 5 },
    ];
    const response = await batch(specialist, items);
    const body = response.json();
    // The first refusal answers (403); every refused item is named.
    expect(response.statusCode).toBe(403);
    expect(body.code).toBe('SCOPE_NOT_GRANTED');
    expect(body.detail).toContain('items[0].repositoryId');
    expect(body.errors.map((e: { field: string }) => e.field)).toEqual([
      'items[0].repositoryId',
      'items[1].repositoryId',
      'items[2].repositoryId',
    ]);
    expect(body.errors[1].message).toMatch(/^NOT_FOUND/);
    expect(await counts()).toEqual(before);

    const denied = (await accessLogOf(other.repositoryId)).filter((r) => r.actor_id === specialist.userId);
    expect(denied).toEqual([
      expect.objectContaining({ action: 'ANALYSIS', outcome: 'DENIED', reason: 'NO_LIVE_GRANT' }),
    ]);
    const audited = await asOwner(
      async (c) =>
        (
          await c.query(
            `SELECT resource_id, metadata->>'reason' AS reason FROM audit_log
              WHERE action = 'patient-record.access-denied' AND actor_id = $1 ORDER BY seq`,
            [specialist.userId],
          )
        ).rows,
    );
    expect(audited).toEqual([
      { resource_id: world.repositoryId, reason: 'SCOPE_NOT_GRANTED' },
      { resource_id: other.repositoryId, reason: 'NO_LIVE_GRANT' },
      { resource_id: world.repositoryId, reason: 'SCOPE_NOT_GRANTED' },
    ]);
  });

  it('answers 404 naming the item when the first refused item is a record the caller may not know of', async () => {
    const specialist = await addMember(api, world.tenant, 'SPECIALIST');
    await grant(world, ALL_ENTRY_SCOPES, specialist);
    const before = await counts();
    const response = await batch(specialist, [
      { repositoryId: world.repositoryId, kind: 'RECORD_SUMMARY', priority: 5 },
      { repositoryId: other.repositoryId, kind: 'RECORD_SUMMARY', priority: 5 },
    ]);
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({
      code: 'NOT_FOUND',
      errors: [{ field: 'items[1].repositoryId', message: expect.stringMatching(/^NOT_FOUND/) }],
    });
    expect(await counts()).toEqual(before);
    // The allowed item's read is in the log too, as an attempt that queued nothing.
    const log = (await accessLogOf(world.repositoryId)).filter((r) => r.actor_id === specialist.userId);
    expect(log).toEqual([expect.objectContaining({ outcome: 'ALLOWED' })]);
  });

  it('refuses staff (403) and another patient’s record (404)', async () => {
    const staff = await batch(world.tenant.users.ADMIN!, [
      { repositoryId: world.repositoryId, kind: 'RECORD_SUMMARY', priority: 5 },
    ]);
    expect(staff.statusCode).toBe(403);
    const stranger = await batch(other.patient, [
      { repositoryId: other.repositoryId, kind: 'RECORD_SUMMARY', priority: 5 },
      { repositoryId: world.repositoryId, kind: 'RECORD_SUMMARY', priority: 5 },
    ]);
    expect(stranger.statusCode).toBe(404);
    expect(stranger.json().errors).toEqual([
      { field: 'items[1].repositoryId', message: expect.stringMatching(/^NOT_FOUND/) },
    ]);
  });

  it.each([
    [[], 'items'],
    ['not a list', 'items'],
    [[{ repositoryId: 'nope', kind: 'RECORD_SUMMARY', priority: 5 }], 'items[0].repositoryId'],
    [
      [
        { repositoryId: '00000000-0000-4000-8000-000000000000', kind: 'RECORD_SUMMARY', priority: 5 },
        { repositoryId: '00000000-0000-4000-8000-000000000000', kind: 'RECORD_SUMMARY', priority: 11 },
      ],
      'items[1].priority',
    ],
    [[{ repositoryId: '00000000-0000-4000-8000-000000000000', kind: 'TAROT', priority: 5 }], 'items[0].kind'],
  ])('refuses items %j with 400 naming %s', async (items, field) => {
    const before = await counts();
    const response = await batch(world.patient, items);
    expect(response.statusCode).toBe(400);
    expect(response.json().errors.map((e: { field: string }) => e.field)).toContain(field);
    expect(await counts()).toEqual(before);
  });

  it('refuses more than ANALYSIS_BATCH_MAX_ITEMS items with 400 naming items, and MODEL_REVIEW without a provider with 422 naming the item', async () => {
    const item = { repositoryId: world.repositoryId, kind: 'RECORD_SUMMARY', priority: 5 };
    const tooMany = await batch(
      world.patient,
      Array.from({ length: MAX_ITEMS + 1 }, () => item),
    );
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.json()).toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: [{ field: 'items', message: `must contain no more than ${MAX_ITEMS} elements` }],
    });
    const model = await batch(world.patient, [item, { ...item, kind: 'MODEL_REVIEW' }]);
    expect(model.statusCode).toBe(422);
    expect(model.json()).toMatchObject({
      code: 'MODEL_PROVIDER_NOT_CONFIGURED',
      errors: [{ field: 'items[1].kind' }],
    });
  });

  it('runs every analysis of a batch to COMPLETED through the worker, each once', async () => {
    const worker = await startWorker();
    try {
      const response = await batch(world.patient, [
        { repositoryId: world.repositoryId, kind: 'RECORD_SUMMARY', priority: 5 },
        { repositoryId: world.repositoryId, kind: 'DRUG_ALLERGY', priority: 5 },
      ]);
      expect(response.statusCode).toBe(201);
      for (const { id } of response.json().items as { id: string }[]) {
        await waitFor('the analysis COMPLETED', async () => (await analysisRow(id))?.status === 'COMPLETED', 30_000);
        expect((await runsOf(id)).map((r) => r.outcome)).toEqual(['COMPLETED']);
      }
    } finally {
      await worker.close();
    }
  });
});
