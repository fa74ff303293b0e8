import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHash, randomBytes } from 'node:crypto';
import { startApi, startWorker, waitFor } from '../support/test-apps';
import { asOwner, createPlatformAdmin, createTenant } from '../support/identity-fixtures';
import { createWorkflow, tokenOf, type RecipientInput } from '../support/workflow-fixtures';

/**
 * NOTIFY_TRANSPORT=log writes one line per message with the address masked and no body: links and
 * codes never reach the logs. A file of its own because nestjs-pino keeps the logger of the first
 * app a process starts for every later one: here that is the worker, at debug level, started after
 * process.stdout/stderr were replaced so that pino writes through them (see secrets-in-logs).
 */
const BASE_URL = 'https://sign.example.test';
const unique = () => randomBytes(4).toString('hex');
const phone = () => `+1555${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;

describe('the log transport', () => {
  let worker: NestFastifyApplication;
  let api: NestFastifyApplication;
  const captured: string[] = [];
  const restores: (() => void)[] = [];

  function capture(stream: NodeJS.WriteStream): () => void {
    const own = Object.getOwnPropertyDescriptor(stream, 'write');
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      captured.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
      const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
      if (callback) process.nextTick(callback);
      return true;
    }) as typeof stream.write;
    return () => {
      if (own) Object.defineProperty(stream, 'write', own);
      else delete (stream as { write?: unknown }).write;
    };
  }

  beforeAll(async () => {
    restores.push(capture(process.stdout), capture(process.stderr));
    const env = {
      PUBLIC_BASE_URL: BASE_URL,
      OUTBOX_POLL_INTERVAL_MS: '100',
      NOTIFY_TRANSPORT: 'log',
      LOG_LEVEL: 'debug',
      // Every statement logged as slow: its SQL must carry no secret either.
      DATABASE_SLOW_QUERY_MS: '1',
    };
    worker = await startWorker(env);
    api = await startApi(env);
  });
  afterAll(async () => {
    await api?.close();
    await worker?.close();
    for (const restore of restores.reverse()) restore();
  });

  it('logs each message with the address masked, never the link, the code or the full address', async () => {
    const tenant = await createTenant(api, await createPlatformAdmin(api), ['OWNER', 'MEMBER']);
    const recipients: RecipientInput[] = [
      { type: 'PATIENT', name: 'Pat Log', email: `log-${unique()}@example.test`, phone: phone() },
      { type: 'PHARMACY', name: 'Pharmacy Log', email: `log-pharmacy-${unique()}@example.test` },
    ];
    const created = await createWorkflow(api, tenant.users.MEMBER!, { recipients });
    const token = tokenOf(created.recipients[0].link);
    const asked = await api.inject({ method: 'POST', url: `/r/${token}/verification`, payload: { channel: 'SMS' } });
    expect(asked.statusCode).toBe(202);
    await waitFor('three messages SENT', async () =>
      asOwner(
        async (c) =>
          (
            await c.query<{ n: number }>(
              `SELECT count(*)::int AS n FROM notification_messages WHERE session_id = $1 AND status = 'SENT'`,
              [created.id],
            )
          ).rows[0].n === 3,
      ),
    );

    const logs = captured.join('');
    const sent = logs.split('\n').filter((l) => l.includes('notification sent (log transport; body not logged)'));
    expect(sent).toHaveLength(3);
    expect(logs).toContain('"to":"l***@example.test"');
    expect(logs).toContain('"kind":"verification-code"');
    // The code itself is stored only as sha256(recipient id + ':' + code): found by trying all million.
    const [{ code_hash: codeHash }] = await asOwner(
      async (c) =>
        (
          await c.query<{ code_hash: Buffer }>(
            'SELECT code_hash FROM recipient_verifications WHERE recipient_id = $1',
            [created.recipients[0].id],
          )
        ).rows,
    );
    let code = '';
    for (let n = 0; n < 1_000_000 && !code; n++) {
      const candidate = String(n).padStart(6, '0');
      const hash = createHash('sha256').update(`${created.recipients[0].id}:${candidate}`).digest();
      if (hash.equals(codeHash)) code = candidate;
    }
    expect(code).toMatch(/^\d{6}$/);
    expect(logs).not.toMatch(new RegExp(`(^|\\D)${code}(\\D|$)`, 'm'));
    for (const link of created.recipients.map((r) => tokenOf(r.link))) expect(logs).not.toContain(link);
    for (const address of [recipients[0].email!, recipients[0].phone!, recipients[1].email!]) {
      expect(logs).not.toContain(address);
    }
  });
});
