import { randomBytes } from 'node:crypto';
import { appRoleUrl, cloneDatabase, testDatabaseName, withDatabase } from './test-databases';

/**
 * Per test file: its own database, cloned from the run's migrated template, and its own Redis key
 * prefix, so files never see each other's rows or jobs, whether they run in parallel workers or one
 * after another in the same worker. The global teardown drops them all.
 */
const runId = process.env.ITINERA_TEST_RUN!;
const adminUrl = process.env.ITINERA_TEST_ADMIN_URL!;
const fileId = randomBytes(4).toString('hex');
const database = testDatabaseName(runId, `f${fileId}`);

// The apps connect as the app role (RLS applies); the tests' own setup and checks use the owner.
process.env.DIRECT_DATABASE_URL = withDatabase(adminUrl, database);
process.env.DATABASE_URL = appRoleUrl(process.env.DIRECT_DATABASE_URL);
process.env.QUEUE_PREFIX = `itinera-test-${runId}-${fileId}`;
process.env.LOG_LEVEL = process.env.TEST_LOG_LEVEL ?? 'silent';
process.env.LOG_PRETTY = 'false';
process.env.NODE_ENV = 'test';
// The cheapest scrypt cost the schema allows, since tests create many users; and no per-IP limit
// on the credential routes unless a test sets one (every test request comes from 127.0.0.1).
process.env.PASSWORD_SCRYPT_LOG_N ??= '14';
process.env.AUTH_RATE_LIMIT_MAX ??= '100000';

beforeAll(async () => {
  await cloneDatabase(adminUrl, testDatabaseName(runId, 'template'), database);
});
