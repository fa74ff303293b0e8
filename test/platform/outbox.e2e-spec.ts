import { getQueueToken } from '@nestjs/bull';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import Bull, { type Queue } from 'bull';
import { Client } from 'pg';
import { PrismaService } from '@itinera/prisma';
import { MAINTENANCE_QUEUE, OutboxRelayService, OutboxService } from '@itinera/queues';
import { startApi, startWorker, waitFor } from '../support/test-apps';
import { platformAdminHeaders } from '../support/identity-fixtures';
import { TcpProxy } from '../support/tcp-proxy';

/** Jobs the outbox produced, leaving out the repeatable schedule's own runs (ids `repeat:...`). */
async function outboxJobs(queue: Queue) {
  const jobs = await queue.getJobs(['waiting', 'active', 'completed', 'failed', 'delayed', 'paused']);
  return jobs.filter((job) => job && !String(job.id).startsWith('repeat:'));
}

describe('transactional outbox', () => {
  let adminHeaders: Record<string, string>;
  beforeAll(async () => {
    adminHeaders = await platformAdminHeaders();
  });

  describe('with Redis unreachable, then back', () => {
    let proxy: TcpProxy;
    let worker: NestFastifyApplication;

    beforeAll(async () => {
      proxy = await TcpProxy.closed(process.env.REDIS_URL!);
      worker = await startWorker({ REDIS_URL: proxy.urlFor(process.env.REDIS_URL!), OUTBOX_POLL_INTERVAL_MS: '100' });
    });
    afterAll(async () => {
      await worker.close();
      await proxy.close();
    });

    it('keeps a committed entry while Redis is down and relays it as exactly one job once Redis is back', async () => {
      const prisma = worker.get(PrismaService);
      const outbox = worker.get(OutboxService);
      const id = await prisma.transaction((tx) =>
        outbox.enqueue(tx, { queue: MAINTENANCE_QUEUE, job: 'outbox-purge', data: {} }),
      );

      const failed = await waitFor('a failed relay attempt', async () => {
        const row = await prisma.outboxMessage.findUniqueOrThrow({ where: { id } });
        return row.lastError ? row : undefined;
      });
      expect(failed.deliveredAt).toBeNull();

      await proxy.open();
      await waitFor(
        'delivery',
        async () => (await prisma.outboxMessage.findUniqueOrThrow({ where: { id } })).deliveredAt,
        30_000,
      );
      const queue = worker.get<Queue>(getQueueToken(MAINTENANCE_QUEUE));
      expect((await outboxJobs(queue)).map((job) => job.id)).toEqual([id]);

      // A redelivery (the relay died between pushing and marking) collapses into the same job.
      await prisma.outboxMessage.update({ where: { id }, data: { deliveredAt: null } });
      await worker.get(OutboxRelayService).relayOnce();
      await worker.get(OutboxRelayService).relayOnce();
      expect((await prisma.outboxMessage.findUniqueOrThrow({ where: { id } })).deliveredAt).not.toBeNull();
      expect((await outboxJobs(queue)).map((job) => job.id)).toEqual([id]);
    });
  });

  describe('with Redis up', () => {
    let worker: NestFastifyApplication;
    let otherWorker: NestFastifyApplication;
    let prisma: PrismaService;
    let queue: Queue;

    beforeAll(async () => {
      // A long poll interval: the test drives the relays itself, two of them at once.
      [worker, otherWorker] = await Promise.all([
        startWorker({ OUTBOX_POLL_INTERVAL_MS: '60000', OUTBOX_BATCH_SIZE: '50' }),
        startWorker({ OUTBOX_POLL_INTERVAL_MS: '60000', OUTBOX_BATCH_SIZE: '50' }),
      ]);
      prisma = worker.get(PrismaService);
      queue = worker.get<Queue>(getQueueToken(MAINTENANCE_QUEUE));
    });
    afterAll(async () => {
      await Promise.all([worker.close(), otherWorker.close()]);
    });
    beforeEach(async () => {
      await prisma.outboxMessage.deleteMany();
      await queue.empty();
      await queue.clean(0, 'completed');
      await queue.clean(0, 'failed');
    });

    it('writes nothing when the transaction rolls back', async () => {
      const outbox = worker.get(OutboxService);
      await expect(
        prisma.transaction(async (tx) => {
          await outbox.enqueue(tx, { queue: MAINTENANCE_QUEUE, job: 'outbox-purge', data: {} });
          throw new Error('the change failed');
        }),
      ).rejects.toThrow('the change failed');
      expect(await prisma.outboxMessage.count()).toBe(0);
    });

    it('relays each of 300 messages exactly once with two relays racing', async () => {
      const outbox = worker.get(OutboxService);
      const ids = await prisma.transaction((tx) =>
        outbox.enqueueMany(
          tx,
          Array.from({ length: 300 }, () => ({ queue: MAINTENANCE_QUEUE, job: 'outbox-purge' as const, data: {} })),
        ),
      );
      const relays = [worker.get(OutboxRelayService), otherWorker.get(OutboxRelayService)];
      let claimed = 0;
      do {
        claimed = (await Promise.all([...relays, ...relays].map((relay) => relay.relayOnce()))).reduce(
          (a, b) => a + b,
          0,
        );
      } while (claimed > 0);
      // The insert's NOTIFY also wakes each worker's own relay loop; a batch it claimed before the
      // passes above ran out of work may still be in flight, so wait for it rather than assume it is done.
      await waitFor('every message to be delivered', async () =>
        (await prisma.outboxMessage.count({ where: { deliveredAt: null } })) === 0 ? true : undefined,
      );
      expect(await prisma.outboxMessage.aggregate({ _max: { attempts: true } })).toEqual({ _max: { attempts: 1 } });
      const jobIds = (await outboxJobs(queue)).map((job) => String(job.id));
      expect(jobIds.sort()).toEqual([...ids].sort());
    });

    it('marks a message for an unknown queue dead, and an operator can see and retry it', async () => {
      const [{ id }] = await prisma.$queryRaw<{ id: string }[]>`
        INSERT INTO outbox_messages (queue, job_name, payload) VALUES ('{nowhere}', 'nothing', '{}') RETURNING id`;
      // The insert's NOTIFY may wake either worker's relay first; whichever claims it marks it dead.
      await worker.get(OutboxRelayService).relayOnce();
      const dead = await waitFor('the message to be marked dead', async () => {
        const row = await prisma.outboxMessage.findUniqueOrThrow({ where: { id } });
        return row.deadAt ? row : undefined;
      });
      expect(dead.lastError).toContain('{nowhere}');

      const api = await startApi();
      try {
        const list = (
          await api.inject({ method: 'GET', headers: adminHeaders, url: '/admin/outbox?state=dead' })
        ).json();
        expect(list.data.map((m: { id: string }) => m.id)).toEqual([id]);
        const retried = await api.inject({ method: 'POST', headers: adminHeaders, url: `/admin/outbox/${id}/retry` });
        expect(retried.statusCode).toBe(200);
        expect(retried.json()).toMatchObject({ id, state: 'pending' });
        await prisma.outboxMessage.update({ where: { id }, data: { deliveredAt: new Date() } });
        const again = await api.inject({ method: 'POST', headers: adminHeaders, url: `/admin/outbox/${id}/retry` });
        expect(again.statusCode).toBe(409);
        expect(again.json().code).toBe('INVALID_STATE');
      } finally {
        await api.close();
      }
    });

    it('pages the admin list newest first with a stable cursor', async () => {
      await prisma.$executeRaw`
        INSERT INTO outbox_messages (queue, job_name, payload, created_at)
        SELECT '{maintenance}', 'outbox-purge', '{}', now() - (n % 3) * interval '1 minute' FROM generate_series(1, 25) n`;
      const api = await startApi();
      try {
        const seen: string[] = [];
        let cursor: string | null = null;
        do {
          const query: string = cursor ? `limit=10&cursor=${cursor}` : 'limit=10';
          const page = (
            await api.inject({ method: 'GET', headers: adminHeaders, url: `/admin/outbox?${query}` })
          ).json();
          seen.push(...page.data.map((m: { id: string }) => m.id));
          cursor = page.page.nextCursor;
        } while (cursor);
        const expected = await prisma.outboxMessage.findMany({
          orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
          select: { id: true },
        });
        expect(seen).toEqual(expected.map((m) => m.id));
      } finally {
        await api.close();
      }
    });

    it('purges delivered messages past retention through the maintenance job, leaving the rest', async () => {
      await prisma.$executeRaw`
        INSERT INTO outbox_messages (queue, job_name, payload, delivered_at)
        SELECT '{maintenance}', 'outbox-purge', '{}', now() - interval '2 days' FROM generate_series(1, 20)`;
      await prisma.$executeRaw`
        INSERT INTO outbox_messages (queue, job_name, payload, delivered_at) VALUES ('{maintenance}', 'outbox-purge', '{}', now())`;
      const id = await prisma.transaction((tx) =>
        worker.get(OutboxService).enqueue(tx, { queue: MAINTENANCE_QUEUE, job: 'outbox-purge', data: {} }),
      );
      await worker.get(OutboxRelayService).relayOnce();
      const job = await waitFor('the purge job', () => queue.getJob(id));
      await job.finished();
      // Left: the recent delivered row and the purge job's own message.
      expect(await prisma.outboxMessage.count()).toBe(2);
    });
  });
});

describe('worker shutdown', () => {
  it('lets a running job finish, with the database still connected, before it exits', async () => {
    const worker = await startWorker();
    const queue = worker.get<Queue>(getQueueToken(MAINTENANCE_QUEUE));
    // Another session holds a lock the purge job's DELETE waits for, so the job is mid-run when
    // the shutdown starts.
    const blocker = new Client({ connectionString: process.env.DATABASE_URL });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE outbox_messages IN SHARE MODE');
    const job = await queue.add('outbox-purge', {}, { jobId: `drain-${Date.now()}` });
    await waitFor('the job to start', async () => (await job.getState()) === 'active');

    const closing = worker.close();
    await new Promise((resolve) => setTimeout(resolve, 500));
    await blocker.query('ROLLBACK');
    await blocker.end();
    await closing;

    const observer = new Bull(MAINTENANCE_QUEUE, process.env.REDIS_URL!, { prefix: process.env.QUEUE_PREFIX });
    try {
      const finished = await observer.getJob(job.id);
      expect(await finished?.getState()).toBe('completed');
      expect(finished?.returnvalue).toEqual({ deleted: 0 });
    } finally {
      await observer.close();
    }
  });
});
