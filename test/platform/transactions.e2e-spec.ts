import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Prisma } from '@prisma/client';
import { setTimeout as sleep } from 'node:timers/promises';
import { PrismaService } from '@itinera/prisma';
import { startApi } from '../support/test-apps';

describe('PrismaService.transaction', () => {
  let app: NestFastifyApplication;
  let prisma: PrismaService;

  beforeAll(async () => {
    app = await startApi();
    prisma = app.get(PrismaService);
  });
  afterAll(() => app.close());

  async function newRow(): Promise<string> {
    const row = await prisma.outboxMessage.create({
      data: { queue: '{maintenance}', jobName: 'outbox-purge', payload: {} },
    });
    return row.id;
  }

  it('runs a unit of work again after a serialization failure, so no concurrent increment is lost', async () => {
    const id = await newRow();
    let runs = 0;
    const increment = () =>
      prisma.transaction(
        async (tx) => {
          runs++;
          const row = await tx.outboxMessage.findUniqueOrThrow({ where: { id } });
          await sleep(50); // both transactions read before either writes
          await tx.outboxMessage.update({ where: { id }, data: { attempts: row.attempts + 1 } });
        },
        { isolationLevel: Prisma.TransactionIsolationLevel.Serializable },
      );
    await Promise.all([increment(), increment(), increment()]);
    expect((await prisma.outboxMessage.findUniqueOrThrow({ where: { id } })).attempts).toBe(3);
    expect(runs).toBeGreaterThan(3);
  });

  it('runs a unit of work again after a deadlock', async () => {
    const [a, b] = [await newRow(), await newRow()];
    let runs = 0;
    const lockInOrder = (first: string, second: string) =>
      prisma.transaction(async (tx) => {
        runs++;
        await tx.$executeRaw`UPDATE outbox_messages SET attempts = attempts + 1 WHERE id = ${first}::uuid`;
        await sleep(100);
        await tx.$executeRaw`UPDATE outbox_messages SET attempts = attempts + 1 WHERE id = ${second}::uuid`;
      });
    await Promise.all([lockInOrder(a, b), lockInOrder(b, a)]);
    const rows = await prisma.outboxMessage.findMany({ where: { id: { in: [a, b] } } });
    expect(rows.map((r) => r.attempts)).toEqual([2, 2]);
    expect(runs).toBe(3);
  });

  it('gives up after maxAttempts and rethrows the conflict', async () => {
    const id = await newRow();
    const conflicting = () =>
      prisma.transaction(
        async (tx) => {
          const row = await tx.outboxMessage.findUniqueOrThrow({ where: { id } });
          await sleep(50);
          await tx.outboxMessage.update({ where: { id }, data: { attempts: row.attempts + 1 } });
        },
        { isolationLevel: Prisma.TransactionIsolationLevel.Serializable, maxAttempts: 1 },
      );
    const results = await Promise.allSettled([conflicting(), conflicting()]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
  });

  it('does not retry an error that is not a conflict', async () => {
    let runs = 0;
    await expect(
      prisma.transaction(async () => {
        runs++;
        throw new Error('not a conflict');
      }),
    ).rejects.toThrow('not a conflict');
    expect(runs).toBe(1);
  });
});
