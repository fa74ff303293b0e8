import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  asOwner,
  bearer,
  createApiKey,
  createTenant,
  platformAdminHeaders,
  type TestTenant,
  type TestUser,
} from '../support/identity-fixtures';
import { fileUpload, multipartBody, SAMPLE_FILES } from '../support/multipart';
import { startApi, startWorker, waitFor } from '../support/test-apps';
import { createWorkflow, type CreatedWorkflow } from '../support/workflow-fixtures';

const MAX_BYTES = 64 * 1024;

/** Every file under `dir` (recursive, dot-files included), relative. */
async function storedFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1));
}

const attachmentRows = (sessionId: string) =>
  asOwner(async (c) => (await c.query('SELECT * FROM attachments WHERE session_id = $1', [sessionId])).rows);

const auditActions = (sessionId: string) =>
  asOwner(
    async (c) =>
      (
        await c.query(
          `SELECT action, actor_type, actor_id, metadata FROM audit_log
            WHERE resource_type = 'workflow' AND resource_id = $1 ORDER BY id`,
          [sessionId],
        )
      ).rows as { action: string; actor_type: string; actor_id: string | null; metadata: Record<string, unknown> }[],
  );

const scanJobs = (attachmentId: string) =>
  asOwner(
    async (c) =>
      (
        await c.query(`SELECT queue, job_name, payload FROM outbox_messages WHERE payload->>'attachmentId' = $1`, [
          attachmentId,
        ])
      ).rows,
  );

describe('workflow attachments', () => {
  let storageDir: string;
  let api: NestFastifyApplication;
  let worker: NestFastifyApplication;
  let tenant: TestTenant;
  let owner: Record<string, string>;
  let member: Record<string, string>;
  let adminUser: TestUser;
  let env: Record<string, string>;

  beforeAll(async () => {
    storageDir = await mkdtemp(join(tmpdir(), 'itinera-attachments-'));
    env = {
      STORAGE_DRIVER: 'local',
      STORAGE_LOCAL_DIR: storageDir,
      ATTACHMENT_MAX_BYTES: String(MAX_BYTES),
      ATTACHMENT_ALLOWED_TYPES: 'application/pdf,image/png,image/jpeg,text/plain',
      OUTBOX_POLL_INTERVAL_MS: '100',
    };
    const admin = await platformAdminHeaders();
    api = await startApi(env);
    adminUser = { accessToken: admin.authorization.slice('Bearer '.length) } as TestUser;
    tenant = await createTenant(api, adminUser, ['OWNER', 'MEMBER', 'VIEWER']);
    owner = bearer(tenant.users.OWNER!.accessToken);
    member = bearer(tenant.users.MEMBER!.accessToken);
  });
  afterAll(async () => {
    await Promise.all([api?.close(), worker?.close()]);
    await rm(storageDir, { recursive: true, force: true });
  });

  const upload = (workflowId: string, headers: Record<string, string>, body: ReturnType<typeof fileUpload>) =>
    api.inject({
      method: 'POST',
      url: `/workflows/${workflowId}/attachments`,
      payload: body.payload,
      headers: { ...headers, ...body.headers },
    });

  /** The API on a real port (for tests that need a socket), started once; afterAll closes it. */
  let origin: string | undefined;
  const listening = async (): Promise<string> => {
    if (!origin) {
      await api.listen({ port: 0, host: '127.0.0.1' });
      origin = api.getHttpAdapter().getInstance().listeningOrigin;
    }
    return origin;
  };

  /** The worker (scans) starts with the first wait, so that uploads before it are certainly PENDING. */
  const waitForScan = async (attachmentId: string) => {
    worker ??= await startWorker(env);
    return waitFor(`scan of ${attachmentId}`, async () => {
      const response = await api.inject({
        method: 'GET',
        url: `/workflows/${(await attachmentRow(attachmentId)).session_id}/attachments/${attachmentId}`,
        headers: owner,
      });
      const body = response.json<{ scanStatus: string }>();
      return body.scanStatus !== 'PENDING' ? body : undefined;
    });
  };

  const attachmentRow = async (id: string) =>
    asOwner(async (c) => (await c.query('SELECT * FROM attachments WHERE id = $1', [id])).rows[0]);

  describe('a clean upload by the creator', () => {
    let workflow: CreatedWorkflow;
    let attachmentId: string;

    beforeAll(async () => {
      workflow = await createWorkflow(api, member);
    });

    it('stores the file, computes its checksum, audits, and queues a scan', async () => {
      const response = await upload(
        workflow.id,
        member,
        fileUpload('../../etc/Referral note.pdf', 'application/pdf', SAMPLE_FILES.pdf),
      );
      expect(response.statusCode).toBe(201);
      const body = response.json();
      attachmentId = body.id;
      expect(body).toMatchObject({
        workflowId: workflow.id,
        recipientId: null,
        uploadedById: tenant.users.MEMBER!.userId,
        fileName: 'Referral note.pdf',
        fileType: 'application/pdf',
        fileSize: SAMPLE_FILES.pdf.length,
        checksum: createHash('sha256').update(SAMPLE_FILES.pdf).digest('hex'),
        downloadCount: 0,
      });

      const [row] = await attachmentRows(workflow.id);
      expect(row.s3_key).toBe(`${tenant.id}/${workflow.id}/${attachmentId}`);
      expect(row.s3_bucket).toBe('local');
      expect(Buffer.from(row.checksum).toString('hex')).toBe(body.checksum);
      expect(await storedFiles(storageDir)).toEqual([row.s3_key]);

      const audit = await auditActions(workflow.id);
      expect(audit.filter((a) => a.action === 'attachment.uploaded')).toEqual([
        expect.objectContaining({ actor_type: 'USER', metadata: { attachmentId } }),
      ]);
      expect(await scanJobs(attachmentId)).toEqual([
        expect.objectContaining({ queue: '{attachments}', job_name: 'attachment-scan' }),
      ]);
    });

    it('is listed, shown in the workflow, and refused for download until scanned', async () => {
      // No worker runs yet: the attachment is certainly PENDING.
      const early = await api.inject({
        method: 'GET',
        url: `/workflows/${workflow.id}/attachments/${attachmentId}/content`,
        headers: owner,
      });
      expect(early.statusCode).toBe(409);
      expect(early.json()).toMatchObject({ code: 'ATTACHMENT_NOT_CLEAN', scanStatus: 'PENDING' });
      expect((await attachmentRow(attachmentId)).download_count).toBe(0);

      const list = await api.inject({
        method: 'GET',
        url: `/workflows/${workflow.id}/attachments`,
        headers: bearer(tenant.users.VIEWER!.accessToken),
      });
      expect(list.statusCode).toBe(200);
      expect(list.json().data.map((a: { id: string }) => a.id)).toEqual([attachmentId]);

      const session = await api.inject({ method: 'GET', url: `/workflows/${workflow.id}`, headers: owner });
      expect(session.json().attachments).toEqual([
        expect.objectContaining({ id: attachmentId, fileName: 'Referral note.pdf' }),
      ]);
    });

    it('becomes CLEAN and downloads with its checksum, counted and audited', async () => {
      expect(await waitForScan(attachmentId)).toMatchObject({ scanStatus: 'CLEAN' });

      const response = await api.inject({
        method: 'GET',
        url: `/workflows/${workflow.id}/attachments/${attachmentId}/content`,
        headers: bearer(tenant.users.VIEWER!.accessToken),
      });
      expect(response.statusCode).toBe(200);
      expect(response.rawPayload.equals(SAMPLE_FILES.pdf)).toBe(true);
      const checksum = createHash('sha256').update(SAMPLE_FILES.pdf).digest('hex');
      expect(response.headers).toMatchObject({
        'content-type': 'application/pdf',
        'content-length': String(SAMPLE_FILES.pdf.length),
        'x-content-type-options': 'nosniff',
        etag: `"${checksum}"`,
      });
      expect(response.headers['content-disposition']).toBe(
        `attachment; filename="Referral note.pdf"; filename*=UTF-8''Referral%20note.pdf`,
      );

      const head = await api.inject({
        method: 'HEAD',
        url: `/workflows/${workflow.id}/attachments/${attachmentId}/content`,
        headers: owner,
      });
      // HEAD: the same headers, no body, and not a download.
      expect(head.statusCode).toBe(200);
      expect(head.headers.etag).toBe(`"${checksum}"`);
      expect(head.headers['content-length']).toBe(String(SAMPLE_FILES.pdf.length));
      expect(head.rawPayload.length).toBe(0);

      const row = await attachmentRow(attachmentId);
      expect(row.download_count).toBe(1);
      expect(row.last_download).not.toBeNull();
      expect(row.scan_status).toBe('CLEAN');
      const audit = await auditActions(workflow.id);
      expect(audit.map((a) => a.action)).toEqual(
        expect.arrayContaining(['attachment.uploaded', 'attachment.scanned', 'attachment.downloaded']),
      );
      expect(audit.find((a) => a.action === 'attachment.scanned')).toMatchObject({
        actor_type: 'SYSTEM',
        metadata: expect.objectContaining({ attachmentId, scanStatus: 'CLEAN' }),
      });
      expect(audit.find((a) => a.action === 'attachment.downloaded')).toMatchObject({
        actor_type: 'USER',
        actor_id: tenant.users.VIEWER!.userId,
        metadata: { attachmentId },
      });
    });

    it('answers 410 once retention purged the content', async () => {
      const body = fileUpload('short-lived.txt', 'text/plain', SAMPLE_FILES.text);
      const uploaded = await upload(workflow.id, member, body);
      const id = uploaded.json().id as string;
      expect(await waitForScan(id)).toMatchObject({ scanStatus: 'CLEAN' });
      await asOwner((c) => c.query('UPDATE attachments SET purged_at = now() WHERE id = $1', [id]));
      const response = await api.inject({
        method: 'GET',
        url: `/workflows/${workflow.id}/attachments/${id}/content`,
        headers: owner,
      });
      expect(response.statusCode).toBe(410);
      expect(response.json()).toMatchObject({ code: 'ATTACHMENT_PURGED' });
    });

    it('refuses to send content whose stored bytes were tampered with, and counts nothing', async () => {
      const row = await attachmentRow(attachmentId);
      await writeFile(join(storageDir, row.s3_key), Buffer.concat([SAMPLE_FILES.pdf, Buffer.from('tampered')]));
      const response = await api.inject({
        method: 'GET',
        url: `/workflows/${workflow.id}/attachments/${attachmentId}/content`,
        headers: owner,
      });
      expect(response.statusCode).toBe(500);
      expect(response.headers['content-type']).toMatch(/problem\+json/);
      expect(response.json()).toMatchObject({ code: 'ATTACHMENT_INTEGRITY_FAILED' });
      expect(response.body).not.toContain('tampered');
      expect((await attachmentRow(attachmentId)).download_count).toBe(row.download_count);
    });
  });

  it('marks the EICAR test file INFECTED, deletes its content, and never lets it be downloaded', async () => {
    const workflow = await createWorkflow(api, owner);
    // Split by text around it, so the signature is not at a chunk start.
    const data = Buffer.concat([Buffer.from('notes before\n'), SAMPLE_FILES.eicar, Buffer.from('\nnotes after\n')]);
    const response = await upload(workflow.id, owner, fileUpload('eicar.txt', 'text/plain', data));
    expect(response.statusCode).toBe(201);
    const { id } = response.json();
    expect(await waitForScan(id)).toMatchObject({ scanStatus: 'INFECTED', scanDetail: 'Eicar-Signature' });

    const row = await attachmentRow(id);
    await waitFor(
      'the infected object to be deleted',
      async () => !(await storedFiles(storageDir)).includes(row.s3_key),
    );
    const download = await api.inject({
      method: 'GET',
      url: `/workflows/${workflow.id}/attachments/${id}/content`,
      headers: owner,
    });
    expect(download.statusCode).toBe(409);
    expect(download.json()).toMatchObject({ code: 'ATTACHMENT_NOT_CLEAN', scanStatus: 'INFECTED' });
    expect((await attachmentRow(id)).download_count).toBe(0);
  });

  describe('refused uploads leave nothing behind', () => {
    let workflow: CreatedWorkflow;
    beforeAll(async () => {
      workflow = await createWorkflow(api, owner);
    });
    afterEach(async () => {
      expect(await attachmentRows(workflow.id)).toEqual([]);
      expect((await storedFiles(storageDir)).filter((f) => f.includes(workflow.id) || f.endsWith('.part'))).toEqual([]);
      expect(
        (await auditActions(workflow.id)).filter((a) => a.action.startsWith('attachment.')).map((a) => a.action),
      ).toEqual([]);
    });

    it('refuses a type outside the allow-list with 415', async () => {
      const response = await upload(workflow.id, owner, fileUpload('run.sh', 'application/x-sh', '#!/bin/sh\n'));
      expect(response.statusCode).toBe(415);
      expect(response.json()).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', fileName: 'run.sh' });
    });

    it.each([
      ['a PDF that is not one', 'fake.pdf', 'application/pdf', Buffer.from('hello, not a pdf at all')],
      ['a PNG that is a JPEG', 'photo.png', 'image/png', SAMPLE_FILES.jpeg],
      ['a JPEG that is a PNG', 'photo.jpg', 'image/jpeg', SAMPLE_FILES.png],
      ['a PDF shorter than its signature', 'tiny.pdf', 'application/pdf', Buffer.from('%PD')],
      ['text with a NUL byte', 'notes.txt', 'text/plain', Buffer.from('abc\u0000def')],
      ['text that is not UTF-8', 'notes.txt', 'text/plain', Buffer.from([0x61, 0xff, 0xfe, 0x62])],
      ['text cut inside a UTF-8 sequence', 'notes.txt', 'text/plain', Buffer.from([0x61, 0xc3])],
      [
        'a PDF whose signature appears only late',
        'late.pdf',
        'application/pdf',
        Buffer.concat([randomBytes(40_000), SAMPLE_FILES.pdf]),
      ],
    ])('refuses %s with 422 naming the file', async (_what, name, type, data) => {
      const response = await upload(workflow.id, owner, fileUpload(name, type, data));
      expect(response.statusCode).toBe(422);
      expect(response.json()).toMatchObject({ code: 'CONTENT_MISMATCH', fileName: name, fileType: type });
      expect(response.json().detail).toContain(name);
    });

    it('refuses a file over ATTACHMENT_MAX_BYTES with 413', async () => {
      const data = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(MAX_BYTES, 'a')]);
      const response = await upload(workflow.id, owner, fileUpload('big.pdf', 'application/pdf', data));
      expect(response.statusCode).toBe(413);
      expect(response.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    });

    it('answers 422, 413 and 415 over a real connection while the body is still arriving', async () => {
      // inject() hands over the whole body at once; a socket delivers it in pieces while the
      // refusal (bad signature in the first bytes, or the size limit) is already decided.
      const base = await listening();
      const send = (name: string, type: string, data: Buffer) => {
        const form = new FormData();
        form.append('file', new Blob([data], { type }), name);
        return fetch(`${base}/workflows/${workflow.id}/attachments`, { method: 'POST', body: form, headers: owner });
      };
      {
        const mismatch = await send('fake.pdf', 'application/pdf', Buffer.alloc(MAX_BYTES - 100, 'z'));
        expect(mismatch.status).toBe(422);
        const big = await send(
          'big.pdf',
          'application/pdf',
          Buffer.concat([SAMPLE_FILES.pdf, Buffer.alloc(4 * MAX_BYTES)]),
        );
        expect(big.status).toBe(413);
        expect(((await big.json()) as { code: string }).code).toBe('PAYLOAD_TOO_LARGE');
        const disallowed = await send('a.zip', 'application/zip', Buffer.alloc(MAX_BYTES * 2));
        expect(disallowed.status).toBe(415);

        // A body that ends inside the file part (Content-Length honoured, closing boundary missing).
        const truncated = Buffer.from(
          '--xyz\r\nContent-Disposition: form-data; name="file"; filename="cut.pdf"\r\n' +
            `Content-Type: application/pdf\r\n\r\n%PDF-1.4 ${'x'.repeat(5000)}`,
        );
        const { port } = new URL(base);
        const statusLine = await new Promise<string>((resolve, reject) => {
          const socket = connect(Number(port), '127.0.0.1', () => {
            socket.write(
              `POST /workflows/${workflow.id}/attachments HTTP/1.1\r\nHost: localhost\r\n` +
                `Authorization: ${owner.authorization}\r\nConnection: close\r\n` +
                `Content-Type: multipart/form-data; boundary=xyz\r\nContent-Length: ${truncated.length}\r\n\r\n`,
            );
            socket.write(truncated);
          });
          socket.once('data', (data) => resolve(data.toString('latin1').split('\r\n')[0]));
          socket.once('error', reject);
        });
        expect(statusLine).toBe('HTTP/1.1 400 Bad Request');
      }
    });

    it('refuses a body that is not multipart with 415', async () => {
      const json = await api.inject({
        method: 'POST',
        url: `/workflows/${workflow.id}/attachments`,
        payload: { file: 'x' },
        headers: owner,
      });
      expect(json.statusCode).toBe(415);
      expect(json.json()).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
      const octets = await api.inject({
        method: 'POST',
        url: `/workflows/${workflow.id}/attachments`,
        payload: SAMPLE_FILES.pdf,
        headers: { ...owner, 'content-type': 'application/pdf' },
      });
      expect(octets.statusCode).toBe(415);
      expect(octets.headers['content-type']).toMatch(/problem\+json/);
    });

    it('answers a multipart body it cannot parse with 400, never 500', async () => {
      const noBoundary = await api.inject({
        method: 'POST',
        url: `/workflows/${workflow.id}/attachments`,
        payload: 'garbage',
        headers: { ...owner, 'content-type': 'multipart/form-data' },
      });
      expect(noBoundary.statusCode).toBe(400);
      expect(noBoundary.json()).toMatchObject({ code: 'MALFORMED_BODY' });
      const protoField = await upload(
        workflow.id,
        owner,
        multipartBody([
          { name: '__proto__', filename: 'a.pdf', contentType: 'application/pdf', data: SAMPLE_FILES.pdf },
        ]),
      );
      expect(protoField.statusCode).toBe(400);
      const tooManyFields = await upload(
        workflow.id,
        owner,
        multipartBody([
          ...['a', 'b', 'c', 'd', 'e', 'f'].map((name) => ({ name, data: '1' })),
          { name: 'file', filename: 'a.pdf', contentType: 'application/pdf', data: SAMPLE_FILES.pdf },
        ]),
      );
      expect(tooManyFields.statusCode).toBe(413);
    });

    it('refuses a multipart body without a file (400) and an empty file (400)', async () => {
      const noFile = await upload(workflow.id, owner, multipartBody([{ name: 'note', data: 'hello' }]));
      expect(noFile.statusCode).toBe(400);
      expect(noFile.json().errors).toEqual([{ field: 'file', message: 'is required' }]);
      const empty = await upload(workflow.id, owner, fileUpload('empty.txt', 'text/plain', ''));
      expect(empty.statusCode).toBe(400);
    });

    it('refuses uploads by a member who is neither creator nor admin (403), and by a viewer', async () => {
      const response = await upload(workflow.id, member, fileUpload('a.pdf', 'application/pdf', SAMPLE_FILES.pdf));
      expect(response.statusCode).toBe(403);
      const viewer = await upload(
        workflow.id,
        bearer(tenant.users.VIEWER!.accessToken),
        fileUpload('a.pdf', 'application/pdf', SAMPLE_FILES.pdf),
      );
      expect(viewer.statusCode).toBe(403);
    });
  });

  it('deletes the stored file when the workflow is cancelled while the file is still arriving', async () => {
    const workflow = await createWorkflow(api, owner);
    const address = await listening();
    {
      const { port } = new URL(address);
      const head = Buffer.from(
        '--xyz\r\nContent-Disposition: form-data; name="file"; filename="slow.pdf"\r\n' +
          'Content-Type: application/pdf\r\n\r\n%PDF-1.4 first half ',
      );
      const tail = Buffer.from('second half\r\n--xyz--\r\n');
      const socket = connect(Number(port), '127.0.0.1');
      const answer = new Promise<string>((resolve, reject) => {
        let text = '';
        socket.on('data', (data) => (text += data.toString('latin1')));
        socket.once('end', () => resolve(text));
        socket.once('error', reject);
      });
      socket.write(
        `POST /workflows/${workflow.id}/attachments HTTP/1.1\r\nHost: localhost\r\n` +
          `Authorization: ${owner.authorization}\r\nConnection: close\r\n` +
          `Content-Type: multipart/form-data; boundary=xyz\r\nContent-Length: ${head.length + tail.length}\r\n\r\n`,
      );
      socket.write(head);
      // The upload passed its first check and is writing: a temporary file exists.
      await waitFor('the upload to start writing', async () =>
        (await storedFiles(storageDir)).some((f) => f.includes(workflow.id) && f.endsWith('.part')),
      );
      const cancel = await api.inject({
        method: 'POST',
        url: `/workflows/${workflow.id}/cancel`,
        payload: {},
        headers: owner,
      });
      expect(cancel.statusCode).toBe(200);
      socket.write(tail);

      const response = await answer;
      expect(response.split('\r\n')[0]).toBe('HTTP/1.1 409 Conflict');
      expect(response).toContain('CANCELLED');
      expect(await attachmentRows(workflow.id)).toEqual([]);
      expect((await storedFiles(storageDir)).filter((f) => f.includes(workflow.id))).toEqual([]);
    }
  });

  it('refuses uploads to a cancelled or expired workflow with 409', async () => {
    const cancelled = await createWorkflow(api, owner);
    await asOwner((c) =>
      c.query(`UPDATE workflow_sessions SET status = 'CANCELLED', finished_at = now() WHERE id = $1`, [cancelled.id]),
    );
    const a = await upload(cancelled.id, owner, fileUpload('a.pdf', 'application/pdf', SAMPLE_FILES.pdf));
    expect(a.statusCode).toBe(409);
    expect(a.json()).toMatchObject({ status: 'CANCELLED' });

    const expired = await createWorkflow(api, owner);
    await asOwner((c) =>
      c.query(`UPDATE workflow_sessions SET expires_at = now() - interval '1 second' WHERE id = $1`, [expired.id]),
    );
    const b = await upload(expired.id, owner, fileUpload('a.pdf', 'application/pdf', SAMPLE_FILES.pdf));
    expect(b.statusCode).toBe(409);
    expect(b.json()).toMatchObject({ status: 'EXPIRED' });
    expect([...(await attachmentRows(cancelled.id)), ...(await attachmentRows(expired.id))]).toEqual([]);
  });

  it('accepts each allowed type, lists newest first with cursor pages, and keeps tenants apart', async () => {
    const key = await createApiKey(api, tenant, ['read', 'write']);
    const workflow = await createWorkflow(api, { key: key.key });
    const ids: string[] = [];
    for (const [name, type, data] of [
      ['a.png', 'image/png', SAMPLE_FILES.png],
      ['b.jpg', 'image/jpeg', SAMPLE_FILES.jpeg],
      ['c.txt', 'text/plain; charset=utf-8', SAMPLE_FILES.text],
    ] as const) {
      const response = await upload(workflow.id, bearer(key.key), fileUpload(name, type, data));
      expect(response.statusCode).toBe(201);
      expect(response.json().uploadedById).toBe(key.id);
      ids.push(response.json().id);
    }
    const first = await api.inject({
      method: 'GET',
      url: `/workflows/${workflow.id}/attachments?limit=2`,
      headers: owner,
    });
    const second = await api.inject({
      method: 'GET',
      url: `/workflows/${workflow.id}/attachments?limit=2&cursor=${first.json().page.nextCursor}`,
      headers: owner,
    });
    expect([...first.json().data, ...second.json().data].map((a: { id: string }) => a.id)).toEqual(ids.reverse());
    expect(second.json().page.nextCursor).toBeNull();

    const other = bearer((await createTenant(api, adminUser, ['OWNER'])).users.OWNER!.accessToken);
    for (const url of [
      `/workflows/${workflow.id}/attachments/${ids[0]}`,
      `/workflows/${workflow.id}/attachments/${ids[0]}/content`,
      `/workflows/${workflow.id}/attachments`,
    ]) {
      expect((await api.inject({ method: 'GET', url, headers: other })).statusCode).toBe(404);
    }
    const foreignUpload = await upload(workflow.id, other, fileUpload('a.pdf', 'application/pdf', SAMPLE_FILES.pdf));
    expect(foreignUpload.statusCode).toBe(404);
  });
});
