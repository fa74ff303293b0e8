import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { getQueueToken } from '@nestjs/bull';
import type { Job, Queue } from 'bull';
import { AnalysisRunner, PatientRecordAccess } from '@itinera/patient-repository';
import { PrismaService } from '@itinera/prisma';
import { ANALYSIS_QUEUE, inJobContext, type AnalysisRunData } from '@itinera/queues';
import { asOwner } from '../support/identity-fixtures';
import { startApi, startWorker, waitFor } from '../support/test-apps';
import {
  ALL_ENTRY_SCOPES,
  analysisRow,
  analysisWorld,
  grant,
  holdEntries,
  requestAnalysis,
  runsOf,
  type AnalysisWorld,
} from './analysis-fixtures';

/**
 * The worker batches the common path of the jobs it runs at once: the jobs of one tenant that
 * reach a phase in the same event-loop turn are claimed in one statement, read through the consent
 * check in one transaction and completed in one statement, each still judged and finished on its
 * own. The runner is driven here as Bull drives it (in each job's context), with jobs started in
 * the same turn, so the batches are known; the queue itself is paused so that Bull does not run
 * them too.
 */
describe('analysis worker batching', () => {
  let api: NestFastifyApplication;
  let worker: NestFastifyApplication;
  let world: AnalysisWorld;
  let runner: AnalysisRunner;
  let prisma: PrismaService;
  let access: PatientRecordAccess;
  let queue: Queue;

  beforeAll(async () => {
    api = await startApi();
    worker = await startWorker();
    world = await analysisWorld(api);
    runner = worker.get(AnalysisRunner, { strict: false });
    prisma = worker.get(PrismaService, { strict: false });
    access = worker.get(PatientRecordAccess, { strict: false });
    queue = worker.get<Queue>(getQueueToken(ANALYSIS_QUEUE), { strict: false });
    await queue.pause();
  });
  afterAll(async () => {
    await queue?.resume();
    await worker?.close();
    await api?.close();
  });
  afterEach(() => jest.restoreAllMocks());

  const create = async (user = world.patient, kind = 'RECORD_SUMMARY'): Promise<string> => {
    const response = await requestAnalysis(api, user, world.repositoryId, { kind, priority: 5 });
    if (response.statusCode !== 201) throw new Error(`POST analyses answered ${response.statusCode}: ${response.body}`);
    return response.json().id;
  };

  /** A Bull job as the processor hands it to the runner (first attempt of three). */
  const jobOf = (analysisId: string, requestId = `req-${analysisId}`) =>
    ({
      id: analysisId,
      name: 'analysis-run',
      queue: { name: ANALYSIS_QUEUE },
      data: { tenantId: world.tenant.id, analysisId, requestId },
      attemptsMade: 0,
      opts: { attempts: 3 },
      discard: jest.fn(async () => undefined),
      progress: jest.fn(async () => undefined),
    }) as unknown as Job<AnalysisRunData>;

  /** Runs the jobs as Bull would, all started in the same event-loop turn. */
  const runTogether = (jobs: Job<AnalysisRunData>[]) =>
    Promise.allSettled(jobs.map((job) => inJobContext(job, () => runner.run(job))));

  /**
   * The batches the runner sent, phase by phase (each one statement or transaction), with their
   * sizes, and the ends of attempts (failure paths, one job each).
   */
  const sentBatches = () => {
    type Phases = Record<'claimMany' | 'readMany' | 'completeMany', (key: string, items: unknown[]) => unknown>;
    const spies = (['claimMany', 'readMany', 'completeMany'] as const).map((phase) =>
      jest.spyOn(runner as unknown as Phases, phase),
    );
    const statements = jest.spyOn(prisma, 'tenantQuery');
    return () => ({
      claim: spies[0].mock.calls.map(([, items]) => items.length),
      read: spies[1].mock.calls.map(([, items]) => items.length),
      complete: spies[2].mock.calls.map(([, items]) => items.length),
      endAttempt: statements.mock.calls.filter(([sql]) => sql.includes('SET status = $3')).length,
    });
  };

  it("claims, reads and completes one tenant's analyses started together in one statement each; a revoked requester's fails CONSENT_REVOKED alone", async () => {
    const grantId = await grant(world, ALL_ENTRY_SCOPES);
    const byPatient = [await create(), await create(), await create(), await create()];
    const bySpecialist = await create(world.specialist);
    await asOwner((c) =>
      c.query("UPDATE consent_grants SET status = 'REVOKED', revoked_at = now() WHERE id = $1", [grantId]),
    );
    const ids = [byPatient[0], byPatient[1], bySpecialist, byPatient[2], byPatient[3]];
    const batches = sentBatches();
    const reads = jest.spyOn(access, 'readEach');
    const readPg = jest.spyOn(access, 'readPg');

    const outcomes = await runTogether(ids.map((id) => jobOf(id)));

    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value : (o.reason as Error).message))).toEqual([
      'COMPLETED',
      'COMPLETED',
      'analysis attempt failed: CONSENT_REVOKED',
      'COMPLETED',
      'COMPLETED',
    ]);
    // One claim, one read and one completion for the five (four completed), the refused one's end on its own (a failure path).
    expect(batches()).toEqual({ claim: [5], read: [5], complete: [4], endAttempt: 1 });
    expect(reads).toHaveBeenCalledTimes(1);
    expect(reads.mock.calls[0][0]).toHaveLength(5);
    expect(readPg).not.toHaveBeenCalled();

    const rows = await asOwner(
      async (c) =>
        (
          await c.query(
            'SELECT id, status, attempts, error_code, findings_count, started_at, finished_at FROM patient_analyses WHERE id = ANY($1)',
            [ids],
          )
        ).rows,
    );
    // Claimed by one statement: one transaction's now().
    expect(new Set(rows.map((r) => r.started_at.getTime())).size).toBe(1);
    const completed = rows.filter((r) => r.status === 'COMPLETED');
    expect(completed.map((r) => r.id).sort()).toEqual([...byPatient].sort());
    expect(completed.every((r) => r.attempts === 1 && r.findings_count === 1)).toBe(true);
    expect(new Set(completed.map((r) => r.finished_at.getTime())).size).toBe(1);
    expect(rows.find((r) => r.id === bySpecialist)).toMatchObject({
      status: 'FAILED',
      attempts: 1,
      error_code: 'CONSENT_REVOKED',
    });
    expect(await runsOf(bySpecialist)).toEqual([
      expect.objectContaining({ attempt: 1, outcome: 'FAILED', error_code: 'CONSENT_REVOKED' }),
    ]);
    for (const id of byPatient) {
      expect((await runsOf(id)).map((r) => [r.attempt, r.outcome])).toEqual([[1, 'COMPLETED']]);
    }

    // One access-log row per job, each naming its own requester and job, written in one transaction.
    const logged = await asOwner(
      async (c) =>
        (
          await c.query(
            `SELECT resource_id, actor_type, actor_id, outcome, reason, request_id, occurred_at
               FROM phi_access_log WHERE resource_id = ANY($1) AND actor_type = 'SYSTEM'`,
            [ids],
          )
        ).rows,
    );
    expect(logged).toHaveLength(5);
    expect(new Set(logged.map((r) => r.occurred_at.getTime())).size).toBe(1);
    for (const row of logged) {
      expect(row.request_id).toBe(`req-${row.resource_id}`);
      if (row.resource_id === bySpecialist) {
        expect(row).toMatchObject({ actor_id: world.specialist.userId, outcome: 'DENIED', reason: 'NO_LIVE_GRANT' });
      } else {
        expect(row).toMatchObject({ actor_id: world.patient.userId, outcome: 'ALLOWED', reason: null });
      }
    }

    // The same audit entries as one job at a time, each with its job's request id; the chain holds.
    const audit = await asOwner(
      async (c) =>
        (
          await c.query(
            `SELECT action, resource_id, request_id, after FROM audit_log
              WHERE tenant_id = $1 AND (resource_id = ANY($2) OR (action = 'patient-record.access-denied' AND request_id = $3))
                AND action <> 'patient-analysis.requested'
              ORDER BY seq`,
            [world.tenant.id, ids, `req-${bySpecialist}`],
          )
        ).rows,
    );
    const completions = audit.filter((a) => a.action === 'patient-analysis.completed');
    expect(completions.map((a) => a.resource_id).sort()).toEqual([...byPatient].sort());
    for (const a of completions) {
      expect(a.request_id).toBe(`req-${a.resource_id}`);
      expect(a.after).toEqual({ status: 'COMPLETED', findingsCount: 1, attempt: 1 });
    }
    expect(audit.filter((a) => a.action === 'patient-record.access-denied')).toEqual([
      expect.objectContaining({ resource_id: world.repositoryId, request_id: `req-${bySpecialist}` }),
    ]);
    expect(audit.filter((a) => a.action === 'patient-analysis.failed')).toEqual([
      expect.objectContaining({ resource_id: bySpecialist }),
    ]);
    expect((await asOwner((c) => c.query('SELECT * FROM audit_log_verify($1)', [world.tenant.id]))).rows).toEqual([]);
  });

  it('completes exactly once an analysis run twice in one batch (a stalled job taken over): the newer attempt wins', async () => {
    const id = await create();
    const other = await create();
    const outcomes = await runTogether([jobOf(id), jobOf(other), jobOf(id)]);
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value : o.reason))).toEqual([
      'SUPERSEDED',
      'COMPLETED',
      'COMPLETED',
    ]);
    expect(await analysisRow(id)).toMatchObject({ status: 'COMPLETED', attempts: 2, findings_count: 1 });
    expect((await runsOf(id)).map((r) => [r.attempt, r.outcome])).toEqual([[2, 'COMPLETED']]);
    await expectCompletedOnce(id);
  });

  it('completes exactly once an analysis whose stalled run is taken over by a later batch while it waits on the database', async () => {
    const id = await create();
    const hold = await holdEntries();
    let first: Promise<PromiseSettledResult<unknown>[]>;
    let second: Promise<PromiseSettledResult<unknown>[]>;
    try {
      first = runTogether([jobOf(id)]);
      await waitFor('the first attempt', async () => (await analysisRow(id))?.attempts === 1);
      second = runTogether([jobOf(id)]);
      await waitFor('the second attempt', async () => (await analysisRow(id))?.attempts === 2);
    } finally {
      await hold.release();
    }
    const [[a], [b]] = await Promise.all([first!, second!]);
    expect([a, b].map((o) => (o.status === 'fulfilled' ? o.value : o.reason))).toEqual(['SUPERSEDED', 'COMPLETED']);
    expect(await analysisRow(id)).toMatchObject({ status: 'COMPLETED', attempts: 2, findings_count: 1 });
    expect((await runsOf(id)).map((r) => [r.attempt, r.outcome])).toEqual([[2, 'COMPLETED']]);
    await expectCompletedOnce(id);
  });

  it('runs jobs delivered by Bull to COMPLETED in batches', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push(await create());
    // The earlier tests' jobs wait there too (their analyses are finished: Bull's runs skip them).
    const waiting = await waitFor('the jobs in Bull', async () => {
      const count = await queue.getPausedCount();
      return count >= 12 ? count : 0;
    });
    const batches = sentBatches();
    await queue.resume();
    try {
      await waitFor(
        'all COMPLETED',
        async () =>
          (
            await asOwner((c) =>
              c.query("SELECT 1 FROM patient_analyses WHERE id = ANY($1) AND status = 'COMPLETED'", [ids]),
            )
          ).rowCount === 12,
        30_000,
      );
    } finally {
      await queue.pause();
    }
    for (const id of ids) await expectCompletedOnce(id);
    // Jobs run ANALYSIS_CONCURRENCY (50 by default) at a time come in batches: fewer claims than jobs, fewer completions than analyses.
    const sent = batches();
    const claimed = sent.claim.reduce((a, b) => a + b, 0);
    expect(claimed).toBeGreaterThanOrEqual(waiting);
    expect(sent.claim.length).toBeLessThan(claimed);
    expect(sent.complete.reduce((a, b) => a + b, 0)).toBe(12);
    expect(sent.complete.length).toBeLessThan(12);
  }, 60_000);

  /** One COMPLETED run, one set of findings, one completion audit entry. */
  async function expectCompletedOnce(id: string): Promise<void> {
    const counts = await asOwner(
      async (c) =>
        (
          await c.query(
            `SELECT (SELECT count(*)::int FROM analysis_findings WHERE analysis_id = $1) AS findings,
                    (SELECT count(*)::int FROM analysis_runs WHERE analysis_id = $1 AND outcome = 'COMPLETED') AS runs,
                    (SELECT count(*)::int FROM audit_log WHERE resource_id = $1::text
                        AND action = 'patient-analysis.completed') AS audited`,
            [id],
          )
        ).rows[0],
    );
    expect(counts).toEqual({ findings: 1, runs: 1, audited: 1 });
  }
});
