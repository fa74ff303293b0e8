import Redis from 'ioredis';
import { dropRunDatabases } from './test-databases';

/** Drops the run's databases and deletes its Redis keys, leaving the servers as they were found. */
export default async function globalTeardown(): Promise<void> {
  const runId = process.env.ITINERA_TEST_RUN;
  const adminUrl = process.env.ITINERA_TEST_ADMIN_URL;
  if (!runId || !adminUrl) return;
  await dropRunDatabases(adminUrl, runId);
  const redis = new Redis(process.env.REDIS_URL!, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `itinera-test-${runId}-*`, 'COUNT', 1000);
      if (keys.length) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
