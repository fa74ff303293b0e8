import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import { ANALYSIS_QUEUE } from '@itinera/queues';
import { asOwner, bearer } from '../support/identity-fixtures';
import { startApi, startWorker, waitFor } from '../support/test-apps';
import {
  ALL_ENTRY_SCOPES,
  analysisRow,
  analysisWorld,
  grant,
  requestAnalysis,
  runsOf,
  type AnalysisWorld,
} from './analysis-fixtures';
import { addMember, insertRepository } from './consent-fixtures';

describe('analyses: requests, reads and cancellation', () => {
  let api: NestFastifyApplication;
  let world: AnalysisWorld;

  beforeAll(async () => {
    api = await startApi();
    world = await analysisWorld(api);
  });
  afterAll(async () => {
    await api?.close();
  });

  const get = (user: { accessToken: string }, url: string) =>
    api.inject({ method: 'GET', url, headers: bearer(user.accessToken) });
  const cancel = (user: { accessToken: string }, analysisId: string, repositoryId = world.repositoryId) =>
    api.inject({
      method: 'POST',
      url: `/patient-repositories/${repositoryId}/analyses/${analysisId}/cancel`,
      headers: bearer(user.accessToken),
    });

  it("queues a patient's analysis: the row, its outbox job with the analysis id as job id and the Bull options, and the audit entry", async () => {
    const response = await requestAnalysis(api, world.patient, world.repositoryId, {
      kind: 'RECORD_SUMMARY',
      priority: 3,
    });
    expect(response.statusCode).toBe(201);
    const body = response.json();
    expect(body).toMatchObject({
      repositoryId: world.repositoryId,
      kind: 'RECORD_SUMMARY',
      priority: 3,
      status: 'QUEUED',
      progress: 0,
      requestedBy: world.patient.userId,
      requestedByType: 'PATIENT',
      grantId: null,
      attempts: 0,
      findingsCount: 0,
    });
    const [outbox] = await asOwner(
      async (c) =>
        (await c.query('SELECT id, queue, job_name, payload, options FROM outbox_messages WHERE id = $1', [body.id]))
          .rows,
    );
    expect(outbox).toMatchObject({ queue: ANALYSIS_QUEUE, job_name: 'analysis-run' });
    // Ids only in the job.
    expect(Object.keys(outbox.payload).sort()).toEqual(expect.arrayContaining(['analysisId', 'tenantId']));
    expect(outbox.payload).toMatchObject({ analysisId: body.id, tenantId: world.tenant.id });
    expect(Object.keys(outbox.payload).filter((k) => !['analysisId', 'tenantId', 'requestId'].includes(k))).toEqual([]);
    expect(outbox.options).toEqual({
      priority: 3,
      attempts: 3,
      backoff: { type: 'exponential', delay: 2000 },
      timeout: 120000,
    });
    const audit = await asOwner(
      async (c) =>
        (await c.query('SELECT action, after FROM audit_log WHERE resource_id = $1 ORDER BY seq', [body.id])).rows,
    );
    expect(audit).toEqual([
      expect.objectContaining({
        action: 'patient-analysis.requested',
        after: expect.objectContaining({ kind: 'RECORD_SUMMARY', priority: 3, status: 'QUEUED' }),
      }),
    ]);
    const log = await asOwner(
      async (c) => (await c.query('SELECT action, outcome FROM phi_access_log WHERE resource_id = $1', [body.id])).rows,
    );
    expect(log).toEqual([{ action: 'ANALYSIS', outcome: 'ALLOWED' }]);
  });

  it.each([
    [{ kind: 'RECORD_SUMMARY', priority: 0 }, 'priority'],
    [{ kind: 'RECORD_SUMMARY', priority: 11 }, 'priority'],
    [{ kind: 'RECORD_SUMMARY', priority: 2.5 }, 'priority'],
    [{ kind: 'RECORD_SUMMARY', priority: 'high' }, 'priority'],
    [{ kind: 'RECORD_SUMMARY' }, 'priority'],
    [{ kind: 'TAROT', priority: 5 }, 'kind'],
    [{ priority: 5 }, 'kind'],
    [{ kind: 'RECORD_SUMMARY', priority: 5, analysisId: '00000000-0000-4000-8000-000000000000' }, 'analysisId'],
  ])('refuses %j with 400 naming %s, and queues nothing', async (payload, field) => {
    const before = await asOwner(
      async (c) => (await c.query('SELECT count(*)::int AS n FROM patient_analyses')).rows[0].n,
    );
    const response = await requestAnalysis(api, world.patient, world.repositoryId, payload);
    expect(response.statusCode).toBe(400);
    expect(JSON.stringify(response.json().errors)).toContain(field);
    const after = await asOwner(
      async (c) => (await c.query('SELECT count(*)::int AS n FROM patient_analyses')).rows[0].n,
    );
    expect(after).toBe(before);
  });

  it('refuses MODEL_REVIEW with 422 when no model provider is configured', async () => {
    const response = await requestAnalysis(api, world.patient, world.repositoryId, {
      kind: 'MODEL_REVIEW',
      priority: 5,
    });
    expect(response.statusCode).toBe(422);
    expect(response.json().code).toBe('MODEL_PROVIDER_NOT_CONFIGURED');
  });

  it("answers 404 to another patient and to a specialist without a grant, 403 to staff and to a grant missing the analyser's categories", async () => {
    const otherPatient = await addMember(api, world.tenant, 'PATIENT');
    await insertRepository(world.tenant, otherPatient);
    const stranger = await addMember(api, world.tenant, 'SPECIALIST');
    const partial = await addMember(api, world.tenant, 'SPECIALIST');
    await grant(world, ['MEDICATIONS'], partial);
    const payload = { kind: 'DRUG_ALLERGY', priority: 5 };
    expect((await requestAnalysis(api, otherPatient, world.repositoryId, payload)).statusCode).toBe(404);
    expect((await requestAnalysis(api, stranger, world.repositoryId, payload)).statusCode).toBe(404);
    expect((await requestAnalysis(api, world.tenant.users.OWNER!, world.repositoryId, payload)).statusCode).toBe(403);
    const refused = await requestAnalysis(api, partial, world.repositoryId, payload);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().code).toBe('SCOPE_NOT_GRANTED');
    expect(
      (await requestAnalysis(api, world.patient, '00000000-0000-4000-8000-000000000000', payload)).statusCode,
    ).toBe(404);
    expect((await requestAnalysis(api, world.patient, 'not-a-uuid', payload)).statusCode).toBe(400);
  });

  it("queues a specialist's analysis under the grant that covers its categories and names the grant", async () => {
    const specialist = await addMember(api, world.tenant, 'SPECIALIST');
    const grantId = await grant(world, ['MEDICATIONS', 'ALLERGIES'], specialist);
    const response = await requestAnalysis(api, specialist, world.repositoryId, { kind: 'DRUG_ALLERGY', priority: 1 });
    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({ requestedBy: specialist.userId, requestedByType: 'SPECIALIST', grantId });
    // The specialist reads it, but not the patient's RECORD_SUMMARY (all categories), in the list and by id.
    const list = await get(specialist, `/patient-repositories/${world.repositoryId}/analyses`);
    expect(list.statusCode).toBe(200);
    expect(list.json().data.map((a: { kind: string }) => a.kind)).toEqual(['DRUG_ALLERGY']);
    const summary = await requestAnalysis(api, world.patient, world.repositoryId, {
      kind: 'RECORD_SUMMARY',
      priority: 5,
    });
    const forbidden = await get(
      specialist,
      `/patient-repositories/${world.repositoryId}/analyses/${summary.json().id}`,
    );
    expect(forbidden.statusCode).toBe(403);
  });

  it('lists newest first in cursor pages', async () => {
    const mine = await addMember(api, world.tenant, 'PATIENT');
    const repositoryId = await insertRepository(world.tenant, mine);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await requestAnalysis(api, mine, repositoryId, { kind: 'VITAL_SIGNS', priority: 5 })).json().id);
    }
    const first = (await get(mine, `/patient-repositories/${repositoryId}/analyses?limit=3`)).json();
    expect(first.data.map((a: { id: string }) => a.id)).toEqual(ids.slice(2).reverse());
    const second = (
      await get(mine, `/patient-repositories/${repositoryId}/analyses?limit=3&cursor=${first.page.nextCursor}`)
    ).json();
    expect(second.data.map((a: { id: string }) => a.id)).toEqual(ids.slice(0, 2).reverse());
    expect(second.page.nextCursor).toBeNull();
    expect((await get(mine, `/patient-repositories/${repositoryId}/analyses?cursor=!!`)).statusCode).toBe(400);
  });

  describe('cancellation', () => {
    it('cancels a QUEUED analysis and removes its waiting job; a second cancel is the same answer, a finished one 409', async () => {
      const worker = await startWorker();
      const queue = worker.get<Queue>(getQueueToken(ANALYSIS_QUEUE), { strict: false });
      await queue.pause();
      try {
        const { id } = (
          await requestAnalysis(api, world.patient, world.repositoryId, { kind: 'IMMUNIZATIONS', priority: 5 })
        ).json();
        // Relayed to Bull, waiting in the paused queue.
        await waitFor('the job in Bull', async () => (await queue.getJob(id)) !== null);
        const response = await cancel(world.patient, id);
        expect(response.statusCode).toBe(200);
        expect(response.json()).toMatchObject({ id, status: 'CANCELLED' });
        expect(response.json().cancelRequestedAt).not.toBeNull();
        expect(await queue.getJob(id)).toBeNull();
        const again = await cancel(world.patient, id);
        expect(again.statusCode).toBe(409);
        expect(again.json().code).toBe('ANALYSIS_FINISHED');
        expect((await analysisRow(id))!.status).toBe('CANCELLED');
        const audit = await asOwner(
          async (c) => (await c.query('SELECT action FROM audit_log WHERE resource_id = $1 ORDER BY seq', [id])).rows,
        );
        expect(audit.map((a) => a.action)).toEqual(['patient-analysis.requested', 'patient-analysis.cancelled']);
      } finally {
        await queue.resume();
        await worker.close();
      }
    });

    it("refuses someone else's cancel: 404 to a stranger, 403 to a specialist who did not ask for it; the patient may", async () => {
      const specialist = await addMember(api, world.tenant, 'SPECIALIST');
      await grant(world, ALL_ENTRY_SCOPES, specialist);
      const other = await addMember(api, world.tenant, 'SPECIALIST');
      await grant(world, ['DIAGNOSES'], other);
      const stranger = await addMember(api, world.tenant, 'PATIENT');
      const { id } = (
        await requestAnalysis(api, specialist, world.repositoryId, { kind: 'RECORD_SUMMARY', priority: 5 })
      ).json();
      expect((await cancel(stranger, id)).statusCode).toBe(404);
      const refused = await cancel(other, id);
      expect(refused.statusCode).toBe(403);
      expect(refused.json().code).toBe('NOT_THE_REQUESTER');
      expect((await cancel(world.tenant.users.OWNER!, id)).statusCode).toBe(403);
      expect((await analysisRow(id))!.status).toBe('QUEUED');
      expect((await cancel(world.patient, '00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
      expect((await cancel(world.patient, id)).json().status).toBe('CANCELLED');
    });
  });

  describe('with the worker', () => {
    let worker: NestFastifyApplication;
    beforeAll(async () => {
      worker = await startWorker();
    });
    afterAll(async () => {
      await worker?.close();
    });

    it('runs an analysis to COMPLETED with its findings, progress 100, one run, and reads it back', async () => {
      const { id } = (
        await requestAnalysis(api, world.patient, world.repositoryId, { kind: 'DRUG_ALLERGY', priority: 2 })
      ).json();
      await waitFor('COMPLETED', async () => (await analysisRow(id))?.status === 'COMPLETED');
      const response = await get(world.patient, `/patient-repositories/${world.repositoryId}/analyses/${id}`);
      expect(response.statusCode).toBe(200);
      const body = response.json();
      expect(body).toMatchObject({ id, status: 'COMPLETED', progress: 100, attempts: 1, errorCode: null });
      expect(body.startedAt).not.toBeNull();
      expect(body.finishedAt).not.toBeNull();
      expect(body.findings.length).toBe(body.findingsCount);
      expect(body.findings.length).toBeGreaterThan(0);
      for (const finding of body.findings) {
        for (const evidence of finding.evidence) expect(world.entryIds).toContain(evidence.entryId);
      }
      expect(await runsOf(id)).toEqual([
        expect.objectContaining({ attempt: 1, outcome: 'COMPLETED', error_code: null }),
      ]);
      // The job read the record as the requester, logged as SYSTEM acting for them.
      const log = await asOwner(
        async (c) =>
          (
            await c.query(
              'SELECT actor_type, actor_id, action, outcome FROM phi_access_log WHERE resource_id = $1 ORDER BY occurred_at, id',
              [id],
            )
          ).rows,
      );
      expect(log).toEqual([
        { actor_type: 'USER', actor_id: world.patient.userId, action: 'ANALYSIS', outcome: 'ALLOWED' },
        { actor_type: 'SYSTEM', actor_id: world.patient.userId, action: 'ANALYSIS', outcome: 'ALLOWED' },
        { actor_type: 'USER', actor_id: world.patient.userId, action: 'READ', outcome: 'ALLOWED' },
      ]);
      expect((await cancel(world.patient, id)).statusCode).toBe(409);
      // The completion's audit entry, written by the job's one statement, is chained like any other.
      const audit = await asOwner(
        async (c) =>
          (await c.query('SELECT action, actor_type, after FROM audit_log WHERE resource_id = $1 ORDER BY seq', [id]))
            .rows,
      );
      expect(audit).toEqual([
        expect.objectContaining({ action: 'patient-analysis.requested', actor_type: 'USER' }),
        expect.objectContaining({
          action: 'patient-analysis.completed',
          actor_type: 'SYSTEM',
          after: { status: 'COMPLETED', findingsCount: body.findingsCount, attempt: 1 },
        }),
      ]);
      const broken = await asOwner(
        async (c) => (await c.query('SELECT * FROM audit_log_verify($1)', [world.tenant.id])).rows,
      );
      expect(broken).toEqual([]);
    });

    it('fails the analysis with CONSENT_REVOKED, without retrying, when the grant is revoked before it runs', async () => {
      const specialist = await addMember(api, world.tenant, 'SPECIALIST');
      const grantId = await grant(world, ['MEDICATIONS'], specialist);
      const queue = worker.get<Queue>(getQueueToken(ANALYSIS_QUEUE), { strict: false });
      await queue.pause();
      let id: string;
      try {
        id = (
          await requestAnalysis(api, specialist, world.repositoryId, { kind: 'DUPLICATE_THERAPY', priority: 5 })
        ).json().id;
        await waitFor('the job in Bull', async () => (await queue.getJob(id)) !== null);
        await asOwner((c) =>
          c.query("UPDATE consent_grants SET status = 'REVOKED', revoked_at = now() WHERE id = $1", [grantId]),
        );
      } finally {
        await queue.resume();
      }
      await waitFor('FAILED', async () => (await analysisRow(id!))?.status === 'FAILED');
      const row = (await analysisRow(id!))!;
      expect(row).toMatchObject({ error_code: 'CONSENT_REVOKED', attempts: 1 });
      expect(await runsOf(id!)).toEqual([
        expect.objectContaining({ attempt: 1, outcome: 'FAILED', error_code: 'CONSENT_REVOKED' }),
      ]);
      const job = await waitFor('the job failed in Bull', async () => {
        const j = await queue.getJob(id!);
        return j && (await j.isFailed()) ? j : null;
      });
      expect(job.attemptsMade).toBe(1);
      expect(job.failedReason).toBe('analysis attempt failed: CONSENT_REVOKED');
    });

    it('gives tenant admins per-analyser statistics, and no one else', async () => {
      const response = await get(world.tenant.users.ADMIN!, '/analyses/stats');
      expect(response.statusCode).toBe(200);
      const kinds = response.json().kinds as { kind: string; runs: number; failures: number }[];
      expect(kinds).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ kind: 'DRUG_ALLERGY', runs: expect.any(Number), failures: 0 }),
          expect.objectContaining({ kind: 'DUPLICATE_THERAPY', failures: 1 }),
        ]),
      );
      for (const k of response.json().kinds) {
        expect(k.meanDurationMs).toBeGreaterThanOrEqual(0);
        expect(k.p95DurationMs).toBeGreaterThanOrEqual(0);
      }
      const future = await get(world.tenant.users.ADMIN!, '/analyses/stats?from=2999-01-01T00:00:00Z');
      expect(future.json().kinds).toEqual([]);
      expect((await get(world.tenant.users.ADMIN!, '/analyses/stats?from=yesterday')).statusCode).toBe(400);
      expect((await get(world.patient, '/analyses/stats')).statusCode).toBe(403);
    });
  });
});
