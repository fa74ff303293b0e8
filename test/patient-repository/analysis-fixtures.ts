import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { ENTRY_CATEGORIES, entryAad, RecordCipher } from '@itinera/patient-repository';
import {
  asOwner,
  bearer,
  createPlatformAdmin,
  createTenant,
  type TestTenant,
  type TestUser,
} from '../support/identity-fixtures';
import type { Client } from 'pg';
import { withClient } from '../support/test-databases';
import { DAY, fromNow, insertGrant, insertRepository } from './consent-fixtures';

/**
 * Builders for the analysis tests: a tenant with a verified record holding a few encrypted entries
 * (sealed with the app's own RecordCipher and inserted as the owner: the entry routes are tested in
 * entries-*.e2e-spec.ts), and the API calls the tests repeat.
 */

/** One entry of each of a few categories: enough for every built-in analyser to find something to read. */
export const SAMPLE_ENTRIES: { category: string; content: Record<string, unknown> }[] = [
  { category: 'DIAGNOSES', content: { icd10Code: 'E11.9', description: 'Type 2 diabetes', status: 'ACTIVE' } },
  { category: 'MEDICATIONS', content: { name: 'Amoxicillin 500 mg', ingredients: ['amoxicillin'], status: 'ACTIVE' } },
  { category: 'ALLERGIES', content: { substance: 'penicillin', severity: 'SEVERE', status: 'ACTIVE' } },
  {
    category: 'VITAL_SIGNS',
    content: { type: 'HEART_RATE', value: 72, loincCode: '8867-4', unit: '/min', measuredAt: '2026-11-01T08:00:00Z' },
  },
  { category: 'IMMUNIZATIONS', content: { cvxCode: '140', vaccine: 'Influenza', date: '2026-10-01' } },
];

export interface AnalysisWorld {
  tenant: TestTenant;
  patient: TestUser;
  specialist: TestUser;
  repositoryId: string;
  entryIds: string[];
}

/** A tenant (OWNER, ADMIN, PATIENT, SPECIALIST), the patient's ACTIVE record and its sample entries. */
export async function analysisWorld(app: NestFastifyApplication): Promise<AnalysisWorld> {
  const admin = await createPlatformAdmin(app);
  const tenant = await createTenant(app, admin, ['OWNER', 'ADMIN', 'PATIENT', 'SPECIALIST']);
  const patient = tenant.users.PATIENT!;
  const repositoryId = await insertRepository(tenant, patient);
  const entryIds = await insertEntries(app, tenant.id, repositoryId, patient.userId, SAMPLE_ENTRIES);
  return { tenant, patient, specialist: tenant.users.SPECIALIST!, repositoryId, entryIds };
}

/** Entries sealed as the entry routes seal them (version 1, with their version row), inserted as the owner. */
export async function insertEntries(
  app: NestFastifyApplication,
  tenantId: string,
  repositoryId: string,
  patientId: string,
  entries: { category: string; content: Record<string, unknown> }[],
): Promise<string[]> {
  const cipher = app.get(RecordCipher, { strict: false });
  const rows = entries.map((e) => {
    const id = randomUUID();
    return { id, category: e.category, ...cipher.seal(e.content, entryAad(id, 1)) };
  });
  await asOwner(async (c) => {
    for (const row of rows) {
      await c.query(
        `INSERT INTO patient_entries (id, tenant_id, repository_id, category, data, key_id, created_by, updated_by)
         VALUES ($1, $2, $3, $4::"RecordCategory", $5, $6, $7, $7)`,
        [row.id, tenantId, repositoryId, row.category, row.ciphertext, row.keyId, patientId],
      );
      await c.query(
        `INSERT INTO patient_entry_versions (tenant_id, entry_id, version, change, data, key_id, changed_by)
         VALUES ($1, $2, 1, 'CREATED', $3, $4, $5)`,
        [tenantId, row.id, row.ciphertext, row.keyId, patientId],
      );
    }
  });
  return rows.map((r) => r.id);
}

/** A live grant of `scopes` to `specialist` for the next 30 days. */
export function grant(world: AnalysisWorld, scopes: string[], specialist = world.specialist): Promise<string> {
  return insertGrant(world.tenant, world.repositoryId, specialist, {
    scopes,
    periodStart: '-1 minute',
    periodEnd: `${(30 * DAY) / 1000} seconds`,
  });
}

export const ALL_ENTRY_SCOPES: string[] = [...ENTRY_CATEGORIES];

export function requestAnalysis(
  app: NestFastifyApplication,
  user: TestUser,
  repositoryId: string,
  payload: Record<string, unknown>,
) {
  return app.inject({
    method: 'POST',
    url: `/patient-repositories/${repositoryId}/analyses`,
    payload,
    headers: bearer(user.accessToken),
  });
}

export interface AnalysisRow {
  id: string;
  status: string;
  priority: number;
  attempts: number;
  progress: number;
  error_code: string | null;
  findings_count: number;
  cancel_requested_at: Date | null;
  started_at: Date | null;
  finished_at: Date | null;
  created_at: Date;
}

/** The analysis row as the owner reads it. */
export function analysisRow(id: string): Promise<AnalysisRow | undefined> {
  return asOwner(
    async (c) => (await c.query<AnalysisRow>('SELECT * FROM patient_analyses WHERE id = $1', [id])).rows[0],
  );
}

export interface RunRow {
  attempt: number;
  outcome: string;
  error_code: string | null;
  started_at: Date;
  finished_at: Date;
}

/** The analysis's attempts, in order. */
export function runsOf(id: string): Promise<RunRow[]> {
  return asOwner(
    async (c) =>
      (
        await c.query<RunRow>(
          'SELECT attempt, outcome, error_code, started_at, finished_at FROM analysis_runs WHERE analysis_id = $1 ORDER BY attempt, finished_at',
          [id],
        )
      ).rows,
  );
}

/**
 * A slow database for the worker: every read of patient_entries waits until `release()`, because the
 * owner's connection holds the table's lock. A job held here has been claimed and not yet read.
 */
export async function holdEntries(): Promise<{ release: () => Promise<void> }> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let locked!: () => void;
  const isLocked = new Promise<void>((resolve) => (locked = resolve));
  const done = withClient(process.env.DIRECT_DATABASE_URL!, async (client: Client) => {
    await client.query('BEGIN');
    await client.query('LOCK TABLE patient_entries IN ACCESS EXCLUSIVE MODE');
    locked();
    await released;
    await client.query('ROLLBACK');
  });
  await isLocked;
  return {
    release: async () => {
      release();
      await done;
    },
  };
}

export { fromNow };
