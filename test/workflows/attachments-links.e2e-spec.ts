import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asOwner, bearer, createTenant, platformAdminHeaders, type TestUser } from '../support/identity-fixtures';
import { fileUpload, SAMPLE_FILES } from '../support/multipart';
import { startApi, startWorker, waitFor } from '../support/test-apps';
import { createWorkflow, tokenOf, type CreatedWorkflow } from '../support/workflow-fixtures';
import { VALID_FORMS } from '../recipients/link-helpers';

/** Every file under `dir` (recursive, dot-files included), relative. */
async function storedFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1));
}

const rowsOf = (sessionId: string) =>
  asOwner(
    async (c) =>
      (await c.query('SELECT * FROM attachments WHERE session_id = $1 ORDER BY uploaded_at', [sessionId])).rows,
  );

const attachmentAudit = (sessionId: string) =>
  asOwner(
    async (c) =>
      (
        await c.query(
          `SELECT action, actor_type, actor_id, metadata FROM audit_log
            WHERE resource_type = 'workflow' AND resource_id = $1 AND action LIKE 'attachment.%' ORDER BY id`,
          [sessionId],
        )
      ).rows as { action: string; actor_type: string; actor_id: string | null; metadata: Record<string, unknown> }[],
  );

describe('attachments through recipient links', () => {
  let storageDir: string;
  let api: NestFastifyApplication;
  let worker: NestFastifyApplication | undefined;
  let env: Record<string, string>;
  let owner: Record<string, string>;

  beforeAll(async () => {
    storageDir = await mkdtemp(join(tmpdir(), 'itinera-link-attachments-'));
    env = { STORAGE_DRIVER: 'local', STORAGE_LOCAL_DIR: storageDir, OUTBOX_POLL_INTERVAL_MS: '100' };
    const admin = await platformAdminHeaders();
    api = await startApi(env);
    const tenant = await createTenant(api, { accessToken: admin.authorization.slice(7) } as TestUser, ['OWNER']);
    owner = bearer(tenant.users.OWNER!.accessToken);
  });
  afterAll(async () => {
    await Promise.all([api?.close(), worker?.close()]);
    await rm(storageDir, { recursive: true, force: true });
  });

  const linkUpload = (token: string, body: ReturnType<typeof fileUpload>, headers: Record<string, string> = {}) =>
    api.inject({
      method: 'POST',
      url: `/r/${token}/attachments`,
      payload: body.payload,
      headers: { ...headers, ...body.headers },
    });

  const scanned = async (attachmentId: string) => {
    worker ??= await startWorker(env);
    return waitFor(`scan of ${attachmentId}`, async () => {
      const row = await asOwner(
        async (c) => (await c.query('SELECT scan_status FROM attachments WHERE id = $1', [attachmentId])).rows[0],
      );
      return row?.scan_status !== 'PENDING' ? row.scan_status : undefined;
    });
  };

  describe('a four-recipient workflow', () => {
    let workflow: CreatedWorkflow;
    let tokens: string[];

    beforeAll(async () => {
      workflow = await createWorkflow(api, owner);
      tokens = workflow.recipients.map((r) => tokenOf(r.link));
    });

    it('refuses an upload from a recipient whose turn it is not (409), storing nothing', async () => {
      const response = await linkUpload(tokens[1], fileUpload('early.pdf', 'application/pdf', SAMPLE_FILES.pdf));
      expect(response.statusCode).toBe(409);
      expect(response.json()).toMatchObject({ code: 'NOT_YOUR_TURN' });
      expect(await rowsOf(workflow.id)).toEqual([]);
      expect(await storedFiles(storageDir)).toEqual([]);
    });

    it('answers a dead or malformed link with the 404 and stores nothing', async () => {
      for (const token of ['a'.repeat(32), 'not-a-token', tokens[0].toUpperCase()]) {
        const response = await linkUpload(token, fileUpload('x.pdf', 'application/pdf', SAMPLE_FILES.pdf));
        expect(response.statusCode).toBe(404);
      }
      expect(await storedFiles(storageDir)).toEqual([]);
    });

    it('takes an upload from the current recipient, with the link as actor', async () => {
      const response = await linkUpload(tokens[0], fileUpload('prescription.pdf', 'application/pdf', SAMPLE_FILES.pdf));
      expect(response.statusCode).toBe(201);
      const body = response.json();
      expect(body).toMatchObject({
        workflowId: workflow.id,
        recipientId: workflow.recipients[0].id,
        uploadedById: null,
        fileName: 'prescription.pdf',
        scanStatus: 'PENDING',
      });
      const [row] = await rowsOf(workflow.id);
      expect(row.recipient_id).toBe(workflow.recipients[0].id);
      expect(await attachmentAudit(workflow.id)).toEqual([
        {
          action: 'attachment.uploaded',
          actor_type: 'RECIPIENT_LINK',
          actor_id: workflow.recipients[0].id,
          metadata: { attachmentId: body.id, recipientId: workflow.recipients[0].id },
        },
      ]);

      // The view lists it; download waits for the scan.
      const view = await api.inject({ method: 'GET', url: `/r/${tokens[0]}` });
      expect(view.json().attachments.map((a: { id: string }) => a.id)).toEqual([body.id]);
      const early = await api.inject({ method: 'GET', url: `/r/${tokens[0]}/attachments/${body.id}/content` });
      expect(early.statusCode).toBe(409);
      expect(early.json()).toMatchObject({ scanStatus: 'PENDING' });
    });

    it('lets a later recipient download a clean attachment, counted and audited with the link as actor', async () => {
      const [row] = await rowsOf(workflow.id);
      expect(await scanned(row.id)).toBe('CLEAN');
      // Hand over to the next recipient, who downloads.
      const complete = await api.inject({
        method: 'POST',
        url: `/r/${tokens[0]}/complete`,
        payload: { formData: VALID_FORMS.PRESCRIBER },
      });
      expect(complete.statusCode).toBe(200);
      const download = await api.inject({ method: 'GET', url: `/r/${tokens[1]}/attachments/${row.id}/content` });
      expect(download.statusCode).toBe(200);
      expect(download.rawPayload.equals(SAMPLE_FILES.pdf)).toBe(true);
      expect(download.headers.etag).toBe(`"${createHash('sha256').update(SAMPLE_FILES.pdf).digest('hex')}"`);
      const downloaded = (await attachmentAudit(workflow.id)).filter((a) => a.action === 'attachment.downloaded');
      expect(downloaded).toEqual([
        {
          action: 'attachment.downloaded',
          actor_type: 'RECIPIENT_LINK',
          actor_id: workflow.recipients[1].id,
          metadata: { attachmentId: row.id, recipientId: workflow.recipients[1].id },
        },
      ]);
      expect((await rowsOf(workflow.id))[0].download_count).toBe(1);
    });

    it('refuses uploads from a recipient who has completed (409), and takes them from the next one', async () => {
      const done = await linkUpload(tokens[0], fileUpload('late.pdf', 'application/pdf', SAMPLE_FILES.pdf));
      expect(done.statusCode).toBe(409);
      expect(done.json()).toMatchObject({ code: 'RECIPIENT_FINISHED' });
      const next = await linkUpload(tokens[1], fileUpload('id-card.png', 'image/png', SAMPLE_FILES.png));
      expect(next.statusCode).toBe(201);
      expect(next.json().recipientId).toBe(workflow.recipients[1].id);
    });

    it('replays an upload repeated with the same Idempotency-Key, and refuses the key with another file (422)', async () => {
      const key = { 'idempotency-key': `upload-${workflow.id}` };
      const first = await linkUpload(tokens[1], fileUpload('notes.txt', 'text/plain', SAMPLE_FILES.text), key);
      expect(first.statusCode).toBe(201);
      const again = await linkUpload(tokens[1], fileUpload('notes.txt', 'text/plain', SAMPLE_FILES.text), key);
      expect(again.statusCode).toBe(201);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.json().id).toBe(first.json().id);
      const other = await linkUpload(tokens[1], fileUpload('notes.txt', 'text/plain', 'other text'), key);
      expect(other.statusCode).toBe(422);

      const rows = (await rowsOf(workflow.id)).filter((r) => r.file_name === 'notes.txt');
      expect(rows.map((r) => r.id)).toEqual([first.json().id]);
      const stored = (await storedFiles(storageDir)).filter((f) => f.includes(workflow.id));
      // One object per recorded row (the infected/cleaned ones aside, none here): nothing from the repeats.
      expect(stored.sort()).toEqual((await rowsOf(workflow.id)).map((r) => r.s3_key).sort());
    });
  });

  it('asks a recipient who must verify for verification before any upload or download (403)', async () => {
    const workflow = await createWorkflow(api, owner, {
      recipients: [{ type: 'PATIENT', name: 'Pat Verified', email: `pat-${Date.now()}@example.test` }],
    });
    const token = tokenOf(workflow.recipients[0].link);
    const upload = await linkUpload(token, fileUpload('a.pdf', 'application/pdf', SAMPLE_FILES.pdf));
    expect(upload.statusCode).toBe(403);
    expect(upload.json()).toMatchObject({ code: 'VERIFICATION_REQUIRED' });
    const download = await api.inject({
      method: 'GET',
      url: `/r/${token}/attachments/00000000-0000-4000-8000-000000000000/content`,
    });
    expect(download.statusCode).toBe(403);
    expect(await rowsOf(workflow.id)).toEqual([]);
  });

  it('answers a cancelled workflow’s link with the 404', async () => {
    const workflow = await createWorkflow(api, owner);
    const cancel = await api.inject({
      method: 'POST',
      url: `/workflows/${workflow.id}/cancel`,
      payload: {},
      headers: owner,
    });
    expect(cancel.statusCode).toBe(200);
    const response = await linkUpload(
      tokenOf(workflow.recipients[0].link),
      fileUpload('a.pdf', 'application/pdf', SAMPLE_FILES.pdf),
    );
    expect(response.statusCode).toBe(404);
    expect(await rowsOf(workflow.id)).toEqual([]);
  });
});
