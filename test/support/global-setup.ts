import { randomBytes } from 'node:crypto';
import { appRoleUrl, migrate, provisionAppRole, testDatabaseName, withClient, withDatabase } from './test-databases';

/**
 * Once per run: names the run, creates a template database and migrates it with the real
 * migrations. Each jest worker then clones its own database from it (worker-environment.ts).
 */
export default async function globalSetup(): Promise<void> {
  const adminUrl = process.env.ITINERA_TEST_ADMIN_URL ?? process.env.DIRECT_DATABASE_URL ?? process.env.DATABASE_URL;
  if (!adminUrl || !process.env.REDIS_URL) {
    throw new Error(
      'The e2e tests need PostgreSQL and Redis: run them with `npm test` or `npm run test:e2e`, which find or start both, or set DATABASE_URL and REDIS_URL.',
    );
  }
  const runId = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const template = testDatabaseName(runId, 'template');
  await withClient(adminUrl, (client) => client.query(`CREATE DATABASE "${template}"`));
  const templateUrl = withDatabase(adminUrl, template);
  migrate(templateUrl);
  await provisionAppRole(templateUrl, appRoleUrl(templateUrl));
  // Workers are started after this and inherit the environment.
  process.env.ITINERA_TEST_ADMIN_URL = adminUrl;
  process.env.ITINERA_TEST_RUN = runId;
}
