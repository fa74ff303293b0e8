import { getQueueToken } from '@nestjs/bull';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Queue } from 'bull';
import { ensureRepeatableJob, MAINTENANCE_QUEUE, MaintenanceSchedules } from '@itinera/queues';
import { startWorker } from '../support/test-apps';

describe('repeatable jobs', () => {
  let workers: NestFastifyApplication[];
  let queue: Queue;

  beforeAll(async () => {
    // Three workers starting at once, as after a deploy.
    workers = await Promise.all([startWorker(), startWorker(), startWorker()]);
    await Promise.all(workers.map((w) => w.get(MaintenanceSchedules).registered));
    queue = workers[0].get<Queue>(getQueueToken(MAINTENANCE_QUEUE));
  });
  afterAll(() => Promise.all(workers.map((w) => w.close())));

  it('are registered exactly once however many workers start', async () => {
    const repeatable = await queue.getRepeatableJobs();
    expect(repeatable.filter((job) => job.name === 'outbox-purge')).toHaveLength(1);
    const scheduled = (await queue.getDelayed()).filter((job) => job.name === 'outbox-purge');
    expect(scheduled).toHaveLength(1);
  });

  it('are registered exactly once when the same registration races', async () => {
    const job = { name: 'outbox-purge', every: 7_000 };
    await Promise.all(Array.from({ length: 8 }, () => ensureRepeatableJob(queue, job)));
    const repeatable = (await queue.getRepeatableJobs()).filter((j) => j.name === 'outbox-purge');
    expect(repeatable).toHaveLength(1);
    expect(Number(repeatable[0].every)).toBe(7_000);
  });

  it('replace the old schedule when the interval changes', async () => {
    await ensureRepeatableJob(queue, { name: 'outbox-purge', every: 60 * 60 * 1000 });
    const repeatable = (await queue.getRepeatableJobs()).filter((j) => j.name === 'outbox-purge');
    expect(repeatable.map((j) => Number(j.every))).toEqual([60 * 60 * 1000]);
  });
});
