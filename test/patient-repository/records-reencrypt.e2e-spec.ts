import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { startApi, testEnvironment } from '../support/test-apps';
import { asOwner, bearer, createPlatformAdmin, createTenant, type TestUser } from '../support/identity-fixtures';
import { reencryptPatientRecords } from '../../apps/worker/src/patients-reencrypt';
import { activeRepository } from './records-fixtures';

const oldKey = `old:${randomBytes(32).toString('base64')}`;
const newKey = `new:${randomBytes(32).toString('base64')}`;
const newerKey = `newer:${randomBytes(32).toString('base64')}`;

/** key_id of every ciphertext of the patient tables, with the key id inside the ciphertext itself. */
const keyIds = () =>
  asOwner(async (c) => {
    const { rows } = await c.query<{ source: string; key_id: string; embedded: string }>(
      `SELECT 'repository' AS source, key_id, split_part(personal_info, '.', 2) AS embedded FROM patient_repositories
        WHERE personal_info IS NOT NULL
       UNION ALL SELECT 'entry', key_id, split_part(data, '.', 2) FROM patient_entries
       UNION ALL SELECT 'version', key_id, split_part(data, '.', 2) FROM patient_entry_versions`,
    );
    return rows;
  });

describe('re-encryption under the newest key', () => {
  let app: NestFastifyApplication;
  const records: { repositoryId: string; patient: TestUser; entryId: string }[] = [];
  const snapshots = new Map<string, unknown>();

  const get = (user: TestUser, url: string) => app.inject({ method: 'GET', url, headers: bearer(user.accessToken) });

  /** What the patient reads through the API: personal information, the entry and its history. */
  async function readAll(record: (typeof records)[number]) {
    const base = `/patient-repositories/${record.repositoryId}`;
    const [info, entry, history] = await Promise.all([
      get(record.patient, `${base}/personal-info`),
      get(record.patient, `${base}/diagnoses/${record.entryId}`),
      get(record.patient, `${base}/diagnoses/${record.entryId}/history`),
    ]);
    for (const r of [info, entry, history]) expect(r.statusCode).toBe(200);
    return { info: info.json(), entry: entry.json(), history: history.json() };
  }

  beforeAll(async () => {
    // Records written while only the old key exists: two tenants, three patients, entries with versions.
    app = await startApi({ ENCRYPTION_KEYS: oldKey });
    const admin = await createPlatformAdmin(app);
    const tenants = [await createTenant(app, admin, ['OWNER']), await createTenant(app, admin, ['OWNER'])];
    for (const [t, tenant] of tenants.entries()) {
      for (let i = 0; i < (t === 0 ? 2 : 1); i++) {
        const { repositoryId, patient } = await activeRepository(app, tenant);
        const created = await app.inject({
          method: 'POST',
          url: `/patient-repositories/${repositoryId}/diagnoses`,
          payload: {
            icd10Code: 'I10',
            description: `Essential hypertension ${i}`,
            status: 'ACTIVE',
            onsetDate: '2020-03-04',
          },
          headers: bearer(patient.accessToken),
        });
        expect(created.statusCode).toBe(201);
        const updated = await app.inject({
          method: 'PUT',
          url: `/patient-repositories/${repositoryId}/diagnoses/${created.json().id}`,
          payload: { icd10Code: 'I10', description: `Essential hypertension ${i}, treated`, status: 'ACTIVE' },
          headers: bearer(patient.accessToken),
        });
        expect(updated.statusCode).toBe(200);
        records.push({ repositoryId, patient, entryId: created.json().id });
      }
    }
    for (const record of records) snapshots.set(record.repositoryId, await readAll(record));
    await app.close();
    app = undefined!;
  });
  afterAll(() => app?.close());

  it('moves every value to the newest key in batches, reads the same afterwards, and does nothing the second time', async () => {
    const before = await keyIds();
    expect(before.length).toBe(3 + 3 + 6);
    expect(new Set(before.flatMap((r) => [r.key_id, r.embedded]))).toEqual(new Set(['old']));

    const env = testEnvironment({ ENCRYPTION_KEYS: `${oldKey},${newKey}` });
    const result = await reencryptPatientRecords(env, { batchSize: 2 });
    expect(result).toMatchObject({ keyId: 'new', repositories: 3, entries: 3, entryVersions: 6 });
    expect(result.tenants).toHaveLength(2);
    expect(result.tenants.map((t) => t.counts).sort((a, b) => b.repositories - a.repositories)).toEqual([
      { repositories: 2, entries: 2, entryVersions: 4 },
      { repositories: 1, entries: 1, entryVersions: 2 },
    ]);

    const after = await keyIds();
    expect(after.length).toBe(before.length);
    expect(new Set(after.flatMap((r) => [r.key_id, r.embedded]))).toEqual(new Set(['new']));

    // Idempotent: nothing left to do.
    const again = await reencryptPatientRecords(env);
    expect(again).toMatchObject({ repositories: 0, entries: 0, entryVersions: 0, tenants: [] });

    // One audit entry per tenant, counts only.
    const audit = await asOwner(
      async (c) =>
        (
          await c.query(
            `SELECT tenant_id, actor_type, metadata FROM audit_log WHERE action = 'patient-records.reencrypted'`,
          )
        ).rows,
    );
    expect(audit).toHaveLength(2);
    expect(audit.map((a) => a.metadata).sort((a, b) => b.repositories - a.repositories)).toEqual([
      { keyId: 'new', repositories: 2, entries: 2, entryVersions: 4 },
      { keyId: 'new', repositories: 1, entries: 1, entryVersions: 2 },
    ]);
    expect(audit.every((a) => a.actor_type === 'SYSTEM')).toBe(true);

    // The record reads the same, even once the old key is dropped from the ring.
    app = await startApi({ ENCRYPTION_KEYS: newKey });
    for (const record of records) expect(await readAll(record)).toEqual(snapshots.get(record.repositoryId));
  });
  it('loses no change made while it runs: every value ends under the newest key and reads as last written', async () => {
    // The API already has the newest key (deployed before the command runs), so changes made
    // during the run are sealed under it; rows locked by a change are skipped, not overwritten.
    await app.close();
    const ring = `${oldKey},${newKey},${newerKey}`;
    app = await startApi({ ENCRYPTION_KEYS: ring });
    const edits = records.flatMap((record) =>
      Array.from({ length: 5 }, (_, n) =>
        app.inject({
          method: 'PUT',
          url: `/patient-repositories/${record.repositoryId}/diagnoses/${record.entryId}`,
          payload: { icd10Code: 'I10', description: `edit ${n}`, status: 'ACTIVE' },
          headers: bearer(record.patient.accessToken),
        }),
      ),
    );
    const [result, ...answers] = await Promise.all([
      reencryptPatientRecords(testEnvironment({ ENCRYPTION_KEYS: ring }), { batchSize: 1 }),
      ...edits,
    ]);
    expect(answers.every((a) => a.statusCode === 200)).toBe(true);
    expect(result.keyId).toBe('newer');
    // Whatever the run skipped (locked at that moment) a second run finds; then nothing is left.
    await reencryptPatientRecords(testEnvironment({ ENCRYPTION_KEYS: ring }));
    const keys = await keyIds();
    expect(new Set(keys.flatMap((r) => [r.key_id, r.embedded]))).toEqual(new Set(['newer']));
    expect(keys.filter((r) => r.source === 'version')).toHaveLength(records.length * (2 + 5));
    for (const record of records) {
      const history = await get(
        record.patient,
        `/patient-repositories/${record.repositoryId}/diagnoses/${record.entryId}/history`,
      );
      expect(history.statusCode).toBe(200);
      expect(JSON.stringify(history.json())).toContain('edit');
      const entry = await get(
        record.patient,
        `/patient-repositories/${record.repositoryId}/diagnoses/${record.entryId}`,
      );
      expect(entry.json().version).toBe(7);
    }
  });
});
