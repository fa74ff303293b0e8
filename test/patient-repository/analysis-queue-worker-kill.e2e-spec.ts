import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { join } from 'node:path';
import { ANALYSIS_QUEUE } from '@itinera/queues';
import { asOwner } from '../support/identity-fixtures';
import { startApi, startWorker, waitFor } from '../support/test-apps';
import {
  analysisRow,
  analysisWorld,
  holdEntries,
  requestAnalysis,
  runsOf,
  type AnalysisWorld,
} from './analysis-fixtures';

const root = join(__dirname, '..', '..');
/** Short, so the test sees the recovery soon: a dead worker's job runs again after at most ~3 s. */
const STALLED = { ANALYSIS_LOCK_MS: '2000', ANALYSIS_STALLED_CHECK_MS: '1000' };

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The worker's real entry point in a process of its own (from source, as `node dist/apps/worker/...` runs it). */
async function spawnWorker(): Promise<ChildProcess> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'apps/worker/src/main.ts'],
    {
      cwd: root,
      env: { ...process.env, TS_NODE_PROJECT: join(root, 'tsconfig.json'), WORKER_PORT: String(port), ...STALLED },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4_000)));
  await waitFor(
    'the worker process to be ready',
    async () => {
      if (child.exitCode !== null) throw new Error(`the worker exited (${child.exitCode}): ${stderr}`);
      return fetch(`http://127.0.0.1:${port}/health/ready`).then(
        (r) => r.ok,
        () => false,
      );
    },
    // ts-node compiles the whole app first: slow on a busy machine.
    180_000,
  );
  return child;
}

describe('a worker process killed mid-job', () => {
  let api: NestFastifyApplication;
  let world: AnalysisWorld;
  let child: ChildProcess | undefined;
  let worker: NestFastifyApplication | undefined;

  beforeAll(async () => {
    api = await startApi();
    world = await analysisWorld(api);
  });
  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await worker?.close();
    await api?.close();
  });

  it("leaves its job to Bull's stalled-job recovery: another worker completes the analysis exactly once", async () => {
    child = await spawnWorker();

    // Hold the job between its claim and its read of the entries (a lock on patient_entries, as the owner).
    const hold = await holdEntries();

    const response = await requestAnalysis(api, world.patient, world.repositoryId, {
      kind: 'RECORD_SUMMARY',
      priority: 5,
    });
    expect(response.statusCode).toBe(201);
    const id = response.json().id as string;
    await waitFor('RUNNING in the worker process', async () => (await analysisRow(id))?.status === 'RUNNING', 30_000);
    expect((await analysisRow(id))!.attempts).toBe(1);

    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;

    worker = await startWorker(STALLED);
    await hold.release();

    await waitFor(
      'COMPLETED by the second worker',
      async () => (await analysisRow(id))?.status === 'COMPLETED',
      30_000,
    );
    // Give any duplicate a chance to show itself: a further stalled check, a late write of the dead attempt.
    await new Promise((resolve) => setTimeout(resolve, 3_000));

    const row = (await analysisRow(id))!;
    expect(row).toMatchObject({ status: 'COMPLETED', attempts: 2, progress: 100, findings_count: 1 });
    // The dead attempt left no run (it never finished); the second one completed.
    expect((await runsOf(id)).map((r) => [r.attempt, r.outcome])).toEqual([[2, 'COMPLETED']]);
    const [findings, completions] = await asOwner((c) =>
      Promise.all([
        c.query('SELECT code FROM analysis_findings WHERE analysis_id = $1', [id]).then((r) => r.rows),
        c
          .query("SELECT 1 FROM audit_log WHERE resource_id = $1 AND action = 'patient-analysis.completed'", [id])
          .then((r) => r.rowCount),
      ]),
    );
    expect(findings).toEqual([{ code: 'RECORD_SUMMARY' }]);
    expect(completions).toBe(1);
    const job = (await worker.get<Queue>(getQueueToken(ANALYSIS_QUEUE), { strict: false }).getJob(id))!;
    expect(await job.getState()).toBe('completed');
    expect(job.returnvalue).toBe('COMPLETED');
  }, 300_000);
});
