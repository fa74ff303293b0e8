import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Job } from 'bull';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AttachmentScanProcessor } from '@itinera/workflows';
import { asOwner, bearer, createTenant, platformAdminHeaders, type TestUser } from '../support/identity-fixtures';
import { fileUpload, SAMPLE_FILES } from '../support/multipart';
import { startApi, startWorker, waitFor } from '../support/test-apps';
import { createWorkflow } from '../support/workflow-fixtures';

/** What the peer saw of one INSTREAM session. */
interface Session {
  command: string;
  frames: number[];
  content: Buffer;
}

/**
 * A TCP peer that speaks clamd's INSTREAM protocol (`zINSTREAM\0`, 4-byte big-endian framed chunks,
 * a zero frame, one NUL-terminated reply). It is NOT clamd: it "detects" the EICAR string and
 * answers ERROR for content containing FAIL-ME, which is all the driver's protocol handling needs.
 */
class ClamdProtocolPeer {
  readonly sessions: Session[] = [];
  private server!: Server;

  async start(): Promise<number> {
    this.server = createServer((socket) => this.serve(socket));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private serve(socket: Socket): void {
    let buffer = Buffer.alloc(0);
    const session: Session = { command: '', frames: [], content: Buffer.alloc(0) };
    const chunks: Buffer[] = [];
    socket.on('data', (data: Buffer) => {
      buffer = Buffer.concat([buffer, data]);
      if (!session.command) {
        const nul = buffer.indexOf(0);
        if (nul < 0) return;
        session.command = buffer.subarray(0, nul).toString('latin1');
        buffer = buffer.subarray(nul + 1);
      }
      while (buffer.length >= 4) {
        const length = buffer.readUInt32BE(0);
        if (buffer.length < 4 + length) return;
        const frame = buffer.subarray(4, 4 + length);
        buffer = buffer.subarray(4 + length);
        if (length === 0) {
          session.content = Buffer.concat(chunks);
          this.sessions.push(session);
          const text = session.content.toString('latin1');
          const reply = text.includes('EICAR-STANDARD-ANTIVIRUS-TEST-FILE')
            ? 'stream: Win.Test.EICAR_HDB-1 FOUND'
            : text.includes('FAIL-ME')
              ? 'INSTREAM size limit exceeded. ERROR'
              : 'stream: OK';
          socket.end(`${reply}\0`);
          return;
        }
        session.frames.push(length);
        chunks.push(Buffer.from(frame));
      }
    });
    socket.on('error', () => undefined);
  }
}

describe('attachment scans through a clamd INSTREAM peer', () => {
  let storageDir: string;
  let api: NestFastifyApplication;
  let worker: NestFastifyApplication;
  let peer: ClamdProtocolPeer;
  let owner: Record<string, string>;

  beforeAll(async () => {
    storageDir = await mkdtemp(join(tmpdir(), 'itinera-scan-'));
    peer = new ClamdProtocolPeer();
    const port = await peer.start();
    const env = {
      STORAGE_DRIVER: 'local',
      STORAGE_LOCAL_DIR: storageDir,
      CLAMAV_HOST: '127.0.0.1',
      CLAMAV_PORT: String(port),
      OUTBOX_POLL_INTERVAL_MS: '100',
    };
    const admin = await platformAdminHeaders();
    api = await startApi(env);
    worker = await startWorker(env);
    const tenant = await createTenant(api, { accessToken: admin.authorization.slice(7) } as TestUser, ['OWNER']);
    owner = bearer(tenant.users.OWNER!.accessToken);
    const subscription = await api.inject({
      method: 'POST',
      url: '/webhooks',
      payload: { url: 'https://hooks.example.test/itinera', eventTypes: ['attachment.scanned'] },
      headers: owner,
    });
    expect(subscription.statusCode).toBe(201);
  });
  afterAll(async () => {
    await Promise.all([api?.close(), worker?.close()]);
    await peer?.close();
    await rm(storageDir, { recursive: true, force: true });
  });

  const uploadTo = async (name: string, type: string, data: Buffer) => {
    const workflow = await createWorkflow(api, owner);
    const body = fileUpload(name, type, data);
    const response = await api.inject({
      method: 'POST',
      url: `/workflows/${workflow.id}/attachments`,
      payload: body.payload,
      headers: { ...owner, ...body.headers },
    });
    expect(response.statusCode).toBe(201);
    return { workflowId: workflow.id, attachmentId: response.json().id as string };
  };

  const rowOf = (id: string) =>
    asOwner(async (c) => (await c.query('SELECT * FROM attachments WHERE id = $1', [id])).rows[0]);

  it('streams the whole file in framed chunks and records CLEAN on "stream: OK"', async () => {
    const data = Buffer.from('line of plain text\n'.repeat(10_000)); // 190 kB: several 64 KiB frames
    const { attachmentId } = await uploadTo('long.txt', 'text/plain', data);
    await waitFor('CLEAN', async () => (await rowOf(attachmentId)).scan_status === 'CLEAN');
    const session = peer.sessions.find((s) => s.content.equals(data));
    expect(session).toBeDefined();
    expect(session!.command).toBe('zINSTREAM');
    expect(session!.frames.length).toBeGreaterThan(2);
    expect(Math.max(...session!.frames)).toBeLessThanOrEqual(64 * 1024);
  });

  it('records INFECTED with the signature clamd named, and deletes the content', async () => {
    const data = Buffer.concat([Buffer.from('x'.repeat(70_000)), SAMPLE_FILES.eicar]);
    const { workflowId, attachmentId } = await uploadTo('bad.txt', 'text/plain', data);
    await waitFor('INFECTED', async () => (await rowOf(attachmentId)).scan_status === 'INFECTED');
    const row = await rowOf(attachmentId);
    expect(row.scan_detail).toBe('Win.Test.EICAR_HDB-1');
    await waitFor('the infected content to be deleted', () => !existsSync(join(storageDir, row.s3_key)));
    const download = await api.inject({
      method: 'GET',
      url: `/workflows/${workflowId}/attachments/${attachmentId}/content`,
      headers: owner,
    });
    expect(download.statusCode).toBe(409);
    const audit = await asOwner(
      async (c) =>
        (
          await c.query(`SELECT metadata FROM audit_log WHERE action = 'attachment.scanned' AND resource_id = $1`, [
            workflowId,
          ])
        ).rows,
    );
    expect(audit).toEqual([
      {
        metadata: {
          attachmentId,
          scanStatus: 'INFECTED',
          scanner: 'clamd',
          signature: 'Win.Test.EICAR_HDB-1',
        },
      },
    ]);
    // The attachment.scanned webhook was recorded in the same transaction: ids and states only.
    const deliveries = await asOwner(
      async (c) =>
        (
          await c.query(
            `SELECT event_type, payload::text AS payload FROM webhook_deliveries WHERE payload::text LIKE '%' || $1 || '%'`,
            [attachmentId],
          )
        ).rows,
    );
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0].event_type).toBe('attachment.scanned');
    expect(deliveries[0].payload).toContain('INFECTED');
    expect(deliveries[0].payload).toContain(workflowId);
    expect(deliveries[0].payload).not.toContain('bad.txt');
  });

  it('retries a clamd ERROR, and marks the attachment FAILED on the last attempt', async () => {
    const { attachmentId } = await uploadTo('odd.txt', 'text/plain', Buffer.from('FAIL-ME please'));
    const row = await rowOf(attachmentId);
    const processor = worker.get(AttachmentScanProcessor);
    const job = (attemptsMade: number) =>
      ({
        id: `test-${attemptsMade}`,
        name: 'attachment-scan',
        queue: { name: '{attachments}' },
        data: { tenantId: row.tenant_id, attachmentId },
        attemptsMade,
        opts: { attempts: 8 },
      }) as unknown as Job<{ tenantId: string; attachmentId: string }>;

    await expect(processor.scan(job(0))).rejects.toThrow(/clamd answered/);
    expect((await rowOf(attachmentId)).scan_status).toBe('PENDING');
    await expect(processor.scan(job(7))).resolves.toEqual({ outcome: 'FAILED' });
    const failed = await rowOf(attachmentId);
    expect(failed.scan_status).toBe('FAILED');
    expect(failed.scan_detail).toMatch(/^scan failed: clamd answered/);
    // Idempotent: a later run changes nothing.
    await expect(processor.scan(job(7))).resolves.toEqual({ outcome: 'skipped' });
  });
});
