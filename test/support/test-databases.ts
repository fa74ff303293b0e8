import { Client } from 'pg';
import { appRoleUrl, provisionAppRole } from '../../scripts/lib/app-role';
import { prismaCli, withDatabase } from '../../scripts/lib/local-services';

/** Names every database of one test run, so the teardown finds them all: itinera_test_<run>_<suffix>. */
export function testDatabaseName(runId: string, suffix: string): string {
  return `itinera_test_${runId}_${suffix}`;
}

export { appRoleUrl, provisionAppRole, withDatabase };

/** Runs `work` on a connection of its own to `url` (an owner, admin or app-role URL), closed afterwards. */
export async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Applies prisma/migrations with the same CLI and config as `npm run db:deploy`. */
export function migrate(url: string): void {
  prismaCli(url, ['migrate', 'deploy']);
}

/** Creates `database` from `template`; a no-op when it exists; waits out a concurrent clone of the same template. */
export async function cloneDatabase(adminUrl: string, template: string, database: string): Promise<void> {
  await withClient(adminUrl, async (client) => {
    for (let attempt = 1; ; attempt++) {
      try {
        await client.query(`CREATE DATABASE "${database}" TEMPLATE "${template}"`);
        return;
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code === '42P04') return; // duplicate_database
        if (code !== '55006' || attempt > 50) throw error; // object_in_use: another clone is copying the template
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  });
}

export async function dropRunDatabases(adminUrl: string, runId: string): Promise<void> {
  await withClient(adminUrl, async (client) => {
    const { rows } = await client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [
      `${testDatabaseName(runId, '')}%`,
    ]);
    for (const { datname } of rows) await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  });
}
