import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import { ANALYSIS_QUEUE } from '@itinera/queues';
import { asOwner, bearer } from '../support/identity-fixtures';
import { startApi, startWorker, waitFor } from '../support/test-apps';
import {
  analysisRow,
  analysisWorld,
  holdEntries,
  requestAnalysis,
  runsOf,
  type AnalysisWorld,
} from './analysis-fixtures';

/**
 * The analysis queue under the faults the issue names, with real Redis and real workers: priorities,
 * retries with backoff, cancelling a running job, and a worker process killed mid-job. A job is held
 * mid-run by a lock on patient_entries taken as the owner (the job reads the entries after claiming
 * its row), which is a slow database and nothing else: no code path is replaced.
 */
describe('the analysis queue', () => {
  let api: NestFastifyApplication;
  let world: AnalysisWorld;

  beforeAll(async () => {
    api = await startApi();
    world = await analysisWorld(api);
  });
  afterAll(async () => {
    await api?.close();
  });

  const queueOf = (app: NestFastifyApplication) => app.get<Queue>(getQueueToken(ANALYSIS_QUEUE), { strict: false });
  const create = async (kind: string, priority: number): Promise<string> => {
    const response = await requestAnalysis(api, world.patient, world.repositoryId, { kind, priority });
    if (response.statusCode !== 201) throw new Error(`POST analyses answered ${response.statusCode}: ${response.body}`);
    return response.json().id;
  };

  it('starts a priority-1 job queued behind 200 priority-10 jobs first', async () => {
    const worker = await startWorker({ ANALYSIS_CONCURRENCY: '1' });
    const queue = queueOf(worker);
    await queue.pause();
    try {
      const low: string[] = [];
      for (let i = 0; i < 200; i++) low.push(await create('RECORD_SUMMARY', 10));
      const urgent = await create('RECORD_SUMMARY', 1);
      await waitFor('all 201 jobs in Bull', async () => (await queue.getPausedCount()) >= 201, 30_000);
      await queue.resume();
      await waitFor(
        'all 201 COMPLETED',
        async () =>
          (
            await asOwner((c) =>
              c.query("SELECT 1 FROM patient_analyses WHERE id = ANY($1) AND status = 'COMPLETED'", [[...low, urgent]]),
            )
          ).rowCount === 201,
        60_000,
      );
      const order = await asOwner(
        async (c) =>
          (
            await c.query('SELECT id FROM patient_analyses WHERE id = ANY($1) ORDER BY started_at, id', [
              [...low, urgent],
            ])
          ).rows,
      );
      expect(order[0].id).toBe(urgent);
      // It waited behind none of them: created last, started first.
      const urgentRow = (await analysisRow(urgent))!;
      const firstLow = await asOwner(
        async (c) =>
          (await c.query('SELECT min(started_at) AS t FROM patient_analyses WHERE id = ANY($1)', [low])).rows[0].t,
      );
      expect(urgentRow.started_at!.getTime()).toBeLessThanOrEqual(firstLow.getTime());
    } finally {
      await queue.resume();
      await worker.close();
    }
  }, 120_000);

  it('retries a failed attempt with exponential backoff, then completes once; the failed attempt is kept as a run', async () => {
    const worker = await startWorker({ ANALYSIS_BACKOFF_MS: '1500' });
    try {
      // An entry that cannot be decrypted: the attempt fails (ANALYSER_ERROR) and Bull retries it.
      const [entryId] = world.entryIds;
      const { data } = await asOwner(
        async (c) => (await c.query('SELECT data FROM patient_entries WHERE id = $1', [entryId])).rows[0],
      );
      await asOwner((c) => c.query("UPDATE patient_entries SET data = 'k9.garbage' WHERE id = $1", [entryId]));
      const id = await create('RECORD_SUMMARY', 5);
      await waitFor('the first attempt failed', async () => (await runsOf(id)).length === 1);
      const waiting = (await analysisRow(id))!;
      // Waiting for its retry: QUEUED again, with the failure's code (never its message).
      expect(waiting).toMatchObject({ status: 'QUEUED', attempts: 1, error_code: 'ANALYSER_ERROR' });
      const job = (await queueOf(worker).getJob(id))!;
      expect(await job.getState()).toBe('delayed');
      expect(job.failedReason).toBe('analysis attempt failed: ANALYSER_ERROR');
      await asOwner((c) => c.query('UPDATE patient_entries SET data = $2 WHERE id = $1', [entryId, data]));

      await waitFor('COMPLETED', async () => (await analysisRow(id))?.status === 'COMPLETED', 20_000);
      const runs = await runsOf(id);
      expect(runs.map((r) => [r.attempt, r.outcome, r.error_code])).toEqual([
        [1, 'FAILED', 'ANALYSER_ERROR'],
        [2, 'COMPLETED', null],
      ]);
      // The retry waited the backoff (1.5 s for the first retry).
      expect(runs[1].started_at.getTime() - runs[0].finished_at.getTime()).toBeGreaterThanOrEqual(1_400);
      expect((await analysisRow(id))!).toMatchObject({ attempts: 2, error_code: null, findings_count: 1 });
    } finally {
      await worker.close();
    }
  }, 60_000);

  it('fails the analysis after its last attempt, with the error code and no findings', async () => {
    const worker = await startWorker({ ANALYSIS_BACKOFF_MS: '200' });
    const [, entryId] = world.entryIds;
    const { data } = await asOwner(
      async (c) => (await c.query('SELECT data FROM patient_entries WHERE id = $1', [entryId])).rows[0],
    );
    try {
      await asOwner((c) => c.query("UPDATE patient_entries SET data = 'k9.garbage' WHERE id = $1", [entryId]));
      const id = await create('RECORD_SUMMARY', 5);
      await waitFor('FAILED', async () => (await analysisRow(id))?.status === 'FAILED', 20_000);
      expect((await analysisRow(id))!).toMatchObject({ attempts: 3, error_code: 'ANALYSER_ERROR', findings_count: 0 });
      expect((await runsOf(id)).map((r) => r.outcome)).toEqual(['FAILED', 'FAILED', 'FAILED']);
      const job = (await queueOf(worker).getJob(id))!;
      expect(await job.getState()).toBe('failed');
      expect(job.attemptsMade).toBe(3);
      const audit = await asOwner(
        async (c) =>
          (await c.query('SELECT action, after FROM audit_log WHERE resource_id = $1 ORDER BY seq', [id])).rows,
      );
      expect(audit.map((a) => a.action)).toEqual(['patient-analysis.requested', 'patient-analysis.failed']);
      expect(audit[1].after).toMatchObject({ status: 'FAILED', errorCode: 'ANALYSER_ERROR', attempt: 3 });
    } finally {
      await asOwner((c) => c.query('UPDATE patient_entries SET data = $2 WHERE id = $1', [entryId, data]));
      await worker.close();
    }
  }, 60_000);

  it('fails an attempt that runs past ANALYSIS_TIMEOUT_MS with TIMEOUT and completes on the retry', async () => {
    const worker = await startWorker({ ANALYSIS_TIMEOUT_MS: '1000', ANALYSIS_BACKOFF_MS: '2000' });
    try {
      const hold = await holdEntries();
      let id: string;
      try {
        id = await create('RECORD_SUMMARY', 5);
        await waitFor('RUNNING', async () => (await analysisRow(id))?.status === 'RUNNING');
        await new Promise((resolve) => setTimeout(resolve, 1_500));
      } finally {
        await hold.release();
      }
      await waitFor('COMPLETED', async () => (await analysisRow(id!))?.status === 'COMPLETED', 20_000);
      expect((await runsOf(id!)).map((r) => [r.attempt, r.outcome, r.error_code])).toEqual([
        [1, 'FAILED', 'TIMEOUT'],
        [2, 'COMPLETED', null],
      ]);
      expect((await analysisRow(id!))!).toMatchObject({ attempts: 2, findings_count: 1 });
    } finally {
      await worker.close();
    }
  }, 60_000);

  it('stops a RUNNING analysis at its next checkpoint when cancelled: CANCELLED, no findings, the run kept', async () => {
    const worker = await startWorker();
    const hold = await holdEntries();
    let id: string;
    try {
      id = await create('RECORD_SUMMARY', 5);
      await waitFor('RUNNING', async () => (await analysisRow(id))?.status === 'RUNNING');
      const response = await api.inject({
        method: 'POST',
        url: `/patient-repositories/${world.repositoryId}/analyses/${id}/cancel`,
        headers: bearer(world.patient.accessToken),
      });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ status: 'RUNNING', cancelRequestedAt: expect.any(String) });
    } finally {
      await hold.release();
    }
    try {
      await waitFor('CANCELLED', async () => (await analysisRow(id!))?.status === 'CANCELLED');
      expect((await analysisRow(id!))!).toMatchObject({ findings_count: 0, attempts: 1 });
      expect((await runsOf(id!)).map((r) => r.outcome)).toEqual(['CANCELLED']);
      expect(
        await asOwner(
          async (c) => (await c.query('SELECT 1 FROM analysis_findings WHERE analysis_id = $1', [id!])).rowCount,
        ),
      ).toBe(0);
    } finally {
      await worker.close();
    }
  });
});
