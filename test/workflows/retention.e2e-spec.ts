import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RequestContext, StorageService } from '@itinera/platform';
import { WorkflowRetentionService, type RetentionResult } from '@itinera/workflows';
import { startApi, startWorker } from '../support/test-apps';
import { asOwner, bearer, createPlatformAdmin, createTenant, type TestTenant } from '../support/identity-fixtures';
import { counterMismatches, createWorkflow, type CreatedWorkflow } from '../support/workflow-fixtures';

function runRetention(worker: NestFastifyApplication): Promise<RetentionResult> {
  return RequestContext.run(
    { requestId: `test-${randomUUID()}`, actor: { type: 'SYSTEM', id: 'test:retention' } },
    () => worker.get(WorkflowRetentionService).run(),
  );
}

interface Row {
  id: string;
  status: string;
  purged: boolean;
  total: number;
  completed: number;
  form_data: Record<string, unknown>[];
  ciphertexts: number;
  attachments_purged: number;
  audits: number;
}

async function stateOf(ids: string[]): Promise<Map<string, Row>> {
  const rows = await asOwner(
    async (c) =>
      (
        await c.query<Row>(
          `SELECT s.id, s.status, s.purged_at IS NOT NULL AS purged, s.total_recipients AS total,
                  s.completed_recipients AS completed,
                  (SELECT array_agg(r.form_data ORDER BY r.order_index) FROM recipients r WHERE r.session_id = s.id) AS form_data,
                  (SELECT count(*)::int FROM recipients r WHERE r.session_id = s.id AND r.token_ciphertext IS NOT NULL) AS ciphertexts,
                  (SELECT count(*)::int FROM attachments a WHERE a.session_id = s.id AND a.purged_at IS NOT NULL) AS attachments_purged,
                  (SELECT count(*)::int FROM audit_log a
                    WHERE a.resource_type = 'workflow' AND a.resource_id = s.id::text AND a.action = 'workflow.purged') AS audits
             FROM workflow_sessions s WHERE s.id = ANY ($1::uuid[])`,
          [ids],
        )
      ).rows,
  );
  return new Map(rows.map((r) => [r.id, r]));
}

describe('workflow-retention job', () => {
  let api: NestFastifyApplication;
  let worker: NestFastifyApplication;
  let tenant: TestTenant;
  const storageDir = mkdtempSync(join(tmpdir(), 'itinera-retention-'));

  beforeAll(async () => {
    api = await startApi({ STORAGE_LOCAL_DIR: storageDir });
    worker = await startWorker({ STORAGE_LOCAL_DIR: storageDir, WORKFLOW_RETENTION_DAYS: '30' });
    tenant = await createTenant(api, await createPlatformAdmin(api), ['OWNER', 'ADMIN']);
  });
  afterAll(async () => {
    await worker.close();
    await api.close();
  });

  /** A session with form data in its first recipient and one stored attachment, finished `daysAgo` days ago (or ACTIVE). */
  async function session(finishedDaysAgo: number | null): Promise<{ workflow: CreatedWorkflow; key: string }> {
    const workflow = await createWorkflow(api, tenant.users.OWNER!);
    const attachmentId = randomUUID();
    const key = `${tenant.id}/${workflow.id}/${attachmentId}`;
    await worker.get(StorageService).put(key, Readable.from([Buffer.from('%PDF-1.4 test')]), {
      contentType: 'application/pdf',
    });
    await asOwner(async (c) => {
      await c.query(
        `UPDATE recipients SET status = 'COMPLETED', completed_at = now(), form_data = '{"fullName":"Ada","npi":"1234567893"}'
          WHERE session_id = $1 AND order_index = 0`,
        [workflow.id],
      );
      await c.query(
        `INSERT INTO attachments (id, tenant_id, session_id, file_name, file_type, file_size, s3_key, s3_bucket, checksum, scan_status)
         VALUES ($1, $2, $3, 'a.pdf', 'application/pdf', 13, $4, 'local', sha256('x'), 'CLEAN')`,
        [attachmentId, tenant.id, workflow.id, key],
      );
      if (finishedDaysAgo !== null) {
        await c.query(
          `UPDATE workflow_sessions SET status = 'CANCELLED', finished_at = now() - make_interval(days => $2) WHERE id = $1`,
          [workflow.id, finishedDaysAgo],
        );
      }
    });
    return { workflow, key };
  }

  it('purges form data, link ciphertexts and attachment contents of sessions finished past the retention period, keeping rows, counters and audit trail', async () => {
    const old = await session(31);
    const recent = await session(5);
    const active = await session(null);
    const held = await session(40);
    const hold = await api.inject({
      method: 'PUT',
      url: `/workflows/${held.workflow.id}/legal-hold`,
      payload: { legalHold: true, reason: 'litigation' },
      headers: bearer(tenant.users.ADMIN!.accessToken),
    });
    expect(hold.statusCode).toBe(200);
    expect(hold.json().legalHold).toBe(true);
    const storage = worker.get(StorageService);
    const ids = [old, recent, active, held].map((s) => s.workflow.id);
    const before = await stateOf(ids);

    const first = await runRetention(worker);
    expect(first).toMatchObject({ sessions: 1, attachments: 1, deleteFailures: 0 });
    const after = await stateOf(ids);

    const purged = after.get(old.workflow.id)!;
    expect(purged).toMatchObject({
      status: 'CANCELLED',
      purged: true,
      total: 4,
      completed: 1,
      ciphertexts: 0,
      attachments_purged: 1,
      audits: 1,
    });
    expect(purged.form_data).toEqual([{}, {}, {}, {}]);
    expect(await storage.exists(old.key)).toBe(false);
    // The audit trail before the purge is still there.
    const actions = await asOwner(async (c) =>
      (
        await c.query<{ action: string }>(
          `SELECT action FROM audit_log WHERE resource_type = 'workflow' AND resource_id = $1 ORDER BY seq`,
          [old.workflow.id],
        )
      ).rows.map((r) => r.action),
    );
    expect(actions).toEqual(['workflow.created', 'workflow.purged']);

    for (const spared of [recent, active, held]) {
      expect(after.get(spared.workflow.id)).toEqual(before.get(spared.workflow.id));
      expect(after.get(spared.workflow.id)!.form_data[0]).toEqual({ fullName: 'Ada', npi: '1234567893' });
      expect(await storage.exists(spared.key)).toBe(true);
    }

    // Idempotent: the second run has nothing to do.
    expect(await runRetention(worker)).toMatchObject({ sessions: 0, attachments: 0 });
    expect(await stateOf(ids)).toEqual(after);
    expect(await counterMismatches()).toEqual([]);

    // Released from legal hold, the held session goes at the next run.
    await api.inject({
      method: 'PUT',
      url: `/workflows/${held.workflow.id}/legal-hold`,
      payload: { legalHold: false, reason: 'settled' },
      headers: bearer(tenant.users.ADMIN!.accessToken),
    });
    expect(await runRetention(worker)).toMatchObject({ sessions: 1, attachments: 1 });
    expect((await stateOf([held.workflow.id])).get(held.workflow.id)).toMatchObject({ purged: true, audits: 1 });
    expect(await storage.exists(held.key)).toBe(false);

    const read = await api.inject({
      method: 'GET',
      url: `/workflows/${old.workflow.id}`,
      headers: bearer(tenant.users.OWNER!.accessToken),
    });
    expect(read.json()).toMatchObject({ purgedAt: expect.any(String), legalHold: false });
    expect(read.json().recipients[0].formData).toEqual({});
  });
});
