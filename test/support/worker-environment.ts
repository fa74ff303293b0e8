import { cloneDatabase, testDatabaseName, withDatabase } from './test-databases';

/**
 * Per jest worker: its own database, cloned from the run's migrated template, and its own Redis key
 * prefix, so test files running in parallel never see each other's rows or jobs.
 */
const runId = process.env.ITINERA_TEST_RUN!;
const adminUrl = process.env.ITINERA_TEST_ADMIN_URL!;
const worker = process.env.JEST_WORKER_ID ?? '1';
const database = testDatabaseName(runId, `w${worker}`);

process.env.DATABASE_URL = withDatabase(adminUrl, database);
process.env.DIRECT_DATABASE_URL = process.env.DATABASE_URL;
process.env.QUEUE_PREFIX = `itinera-test-${runId}-w${worker}`;
process.env.LOG_LEVEL = process.env.TEST_LOG_LEVEL ?? 'silent';
process.env.LOG_PRETTY = 'false';
process.env.NODE_ENV = 'test';

beforeAll(async () => {
  await cloneDatabase(adminUrl, testDatabaseName(runId, 'template'), database);
});
