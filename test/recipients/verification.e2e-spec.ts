import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { KeyRing } from '@itinera/platform';
import { startApi } from '../support/test-apps';
import { asOwner, createPlatformAdmin, createTenant, type TestTenant } from '../support/identity-fixtures';
import { createWorkflow, tokenOf, type CreatedWorkflow } from '../support/workflow-fixtures';
import { auditActions, linkRequests, VALID_FORMS } from './link-helpers';

describe('recipient verification', () => {
  let app: NestFastifyApplication;
  let tenant: TestTenant;
  let r: ReturnType<typeof linkRequests>;

  beforeAll(async () => {
    app = await startApi({ LINK_RATE_LIMIT_MAX: '100000', RECIPIENT_CODE_MAX_ATTEMPTS: '3' });
    tenant = await createTenant(app, await createPlatformAdmin(app), ['OWNER', 'MEMBER']);
    r = linkRequests(app);
  });
  afterAll(() => app.close());

  /** A one-recipient PATIENT workflow (verification on by default for patients) with email and phone. */
  const createPatient = (): Promise<CreatedWorkflow> =>
    createWorkflow(app, tenant.users.MEMBER!, {
      recipients: [{ type: 'PATIENT', name: 'Pat', email: 'pat.patient@example.test', phone: '+15555550199' }],
    });

  const sendCode = (token: string, channel: string) =>
    app.inject({ method: 'POST', url: `/r/${token}/verification`, payload: { channel } });
  const confirm = (token: string, code: string) =>
    app.inject({ method: 'POST', url: `/r/${token}/verification/confirm`, payload: { code } });

  /** The latest code of a recipient, decrypted as the notification job would (only its hash is kept after). */
  async function latestCode(recipientId: string): Promise<{ id: string; code: string }> {
    const row = await asOwner(
      async (c) =>
        (
          await c.query<{ id: string; code_ciphertext: string }>(
            `SELECT id, code_ciphertext FROM recipient_verifications WHERE recipient_id = $1 ORDER BY created_at DESC LIMIT 1`,
            [recipientId],
          )
        ).rows[0],
    );
    return { id: row.id, code: app.get(KeyRing).decrypt(row.code_ciphertext, row.id).toString() };
  }

  it('shows only a landing page until verified, then the whole view with the grant', async () => {
    const w = await createPatient();
    const token = tokenOf(w.recipients[0].link);
    expect(w.recipients[0].requiresVerification).toBe(true);

    const landing = await r.view(token);
    expect(landing.statusCode).toBe(200);
    expect(landing.json()).toEqual({
      verificationRequired: true,
      verificationChannels: [
        { channel: 'EMAIL', destination: 'p***@e***.test' },
        { channel: 'SMS', destination: '+*******0199' },
      ],
      recipient: { type: 'PATIENT' },
    });
    expect(landing.body).not.toContain(w.documentUrl);
    // The landing page is not a view.
    const status = async () =>
      (await asOwner((c) => c.query('SELECT status FROM recipients WHERE id = $1', [w.recipients[0].id]))).rows[0]
        .status;
    expect(await status()).toBe('PENDING');
    for (const denied of [
      await r.draft(token, { fullName: 'Pat' }),
      await r.complete(token, VALID_FORMS.PATIENT),
      await r.decline(token, 'no'),
    ]) {
      expect(denied.statusCode).toBe(403);
      expect(denied.json().code).toBe('VERIFICATION_REQUIRED');
    }
    const forged = await r.view(token, 'not-a-grant');
    expect(forged.json().verificationRequired).toBe(true);

    const sent = await sendCode(token, 'EMAIL');
    expect(sent.statusCode).toBe(202);
    expect(sent.json()).toMatchObject({ channel: 'EMAIL', destination: 'p***@e***.test' });
    const notification = await asOwner(
      async (c) =>
        (
          await c.query(
            `SELECT n.id, n.kind, n.channel, n.to_address, o.job_name FROM notification_messages n
               JOIN outbox_messages o ON o.payload->>'notificationId' = n.id::text
              WHERE n.recipient_id = $1`,
            [w.recipients[0].id],
          )
        ).rows,
    );
    expect(notification).toEqual([
      expect.objectContaining({
        kind: 'verification-code',
        channel: 'EMAIL',
        to_address: 'pat.patient@example.test',
        job_name: 'notification-send',
      }),
    ]);
    const { code } = await latestCode(w.recipients[0].id);
    expect(code).toMatch(/^\d{6}$/);
    const stored = await asOwner(
      async (c) =>
        (await c.query('SELECT code_hash FROM recipient_verifications WHERE recipient_id = $1', [w.recipients[0].id]))
          .rows[0],
    );
    expect(stored.code_hash.toString('hex')).not.toContain(code);

    const wrong = await confirm(token, code === '000000' ? '111111' : '000000');
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().code).toBe('INVALID_VERIFICATION_CODE');

    const right = await confirm(token, code);
    expect(right.statusCode).toBe(200);
    const { verificationToken, expiresAt } = right.json();
    expect(verificationToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new Date(expiresAt).getTime()).toBeGreaterThan(Date.now());
    // Once used, the code is spent.
    expect((await confirm(token, code)).statusCode).toBe(400);

    const view = await r.view(token, verificationToken);
    expect(view.json()).toMatchObject({ verificationRequired: false, workflow: { documentUrl: w.documentUrl } });
    expect(await status()).toBe('ACCESSED');
    expect((await r.complete(token, VALID_FORMS.PATIENT, verificationToken)).statusCode).toBe(200);

    const row = await asOwner(
      async (c) =>
        (
          await c.query(
            'SELECT code_ciphertext, verified_at, grant_hash FROM recipient_verifications WHERE recipient_id = $1',
            [w.recipients[0].id],
          )
        ).rows[0],
    );
    expect(row.code_ciphertext).toBeNull();
    expect(row.verified_at).toBeTruthy();
    expect(row.grant_hash).toHaveLength(32);
    const actions = (await auditActions(w.id)).map((a) => a.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'recipient.verification_sent',
        'recipient.verification_failed',
        'recipient.verified',
        'recipient.viewed',
        'recipient.completed',
      ]),
    );
  });

  it('a dead link of a recipient that must verify is the plain 404, with or without an Idempotency-Key', async () => {
    const w = await createPatient();
    const token = tokenOf(w.recipients[0].link);
    await asOwner((c) =>
      c.query(`UPDATE workflow_sessions SET status = 'CANCELLED', finished_at = now() WHERE id = $1`, [w.id]),
    );
    for (const headers of [{}, { 'idempotency-key': 'k-1' }]) {
      const answer = await app.inject({
        method: 'POST',
        url: `/r/${token}/decline`,
        payload: { reason: 'x' },
        headers,
      });
      expect(answer.statusCode).toBe(404);
      expect(answer.json().code).toBe('NOT_FOUND');
    }
    expect((await r.view(token)).statusCode).toBe(404);
    expect((await sendCode(token, 'EMAIL')).statusCode).toBe(404);
  });

  it("a grant works only for its own recipient's link", async () => {
    const a = await createPatient();
    const b = await createPatient();
    const ta = tokenOf(a.recipients[0].link);
    const tb = tokenOf(b.recipients[0].link);
    await sendCode(ta, 'SMS');
    const grant = (await confirm(ta, (await latestCode(a.recipients[0].id)).code)).json().verificationToken;
    expect((await r.view(tb, grant)).json().verificationRequired).toBe(true);
    expect((await r.draft(tb, { fullName: 'x' }, grant)).statusCode).toBe(403);
  });

  it('an expired grant no longer opens the link', async () => {
    const w = await createPatient();
    const token = tokenOf(w.recipients[0].link);
    await sendCode(token, 'EMAIL');
    const grant = (await confirm(token, (await latestCode(w.recipients[0].id)).code)).json().verificationToken;
    await asOwner((c) =>
      c.query(
        `UPDATE recipient_verifications SET grant_expires_at = now() - interval '1 second' WHERE recipient_id = $1`,
        [w.recipients[0].id],
      ),
    );
    expect((await r.view(token, grant)).json().verificationRequired).toBe(true);
  });

  it('limits attempts per code, even for parallel guesses, and audits the failures', async () => {
    const w = await createPatient();
    const token = tokenOf(w.recipients[0].link);
    await sendCode(token, 'EMAIL');
    const { id, code } = await latestCode(w.recipients[0].id);
    const wrongCodes = Array.from({ length: 10 }, (_, i) =>
      String((Number(code) + i + 1) % 1_000_000).padStart(6, '0'),
    );
    const answers = await Promise.all(wrongCodes.map((c) => confirm(token, c)));
    expect(answers.filter((a) => a.statusCode === 400)).toHaveLength(3);
    expect(answers.filter((a) => a.statusCode === 429)).toHaveLength(7);
    const attempts = await asOwner(
      async (c) => (await c.query('SELECT attempts FROM recipient_verifications WHERE id = $1', [id])).rows[0].attempts,
    );
    expect(attempts).toBe(3);
    // The right code is refused too once the attempts are used up.
    expect((await confirm(token, code)).statusCode).toBe(429);
    const failures = (await auditActions(w.id)).filter((a) => a.action === 'recipient.verification_failed');
    expect(failures).toHaveLength(11);
    expect(failures[0]).toMatchObject({ actor_type: 'RECIPIENT_LINK', actor_id: w.recipients[0].id });

    // A new code starts afresh.
    await sendCode(token, 'EMAIL');
    expect((await confirm(token, (await latestCode(w.recipients[0].id)).code)).statusCode).toBe(200);
  });

  it('a newer code replaces the older one; expired codes are refused', async () => {
    const w = await createPatient();
    const token = tokenOf(w.recipients[0].link);
    await sendCode(token, 'EMAIL');
    const older = await latestCode(w.recipients[0].id);
    await sendCode(token, 'SMS');
    const newer = await latestCode(w.recipients[0].id);
    if (older.code !== newer.code) expect((await confirm(token, older.code)).statusCode).toBe(400);
    await asOwner((c) =>
      c.query(`UPDATE recipient_verifications SET expires_at = now() - interval '1 second' WHERE id = $1`, [newer.id]),
    );
    expect((await confirm(token, newer.code)).statusCode).toBe(400);
  });

  it('sends at most 5 codes an hour per recipient (429), only to contacts it has, only when verification is required', async () => {
    const w = await createPatient();
    const token = tokenOf(w.recipients[0].link);
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push((await sendCode(token, 'EMAIL')).statusCode);
    expect(answers).toEqual([202, 202, 202, 202, 202, 429]);
    const count = await asOwner(
      async (c) =>
        (
          await c.query('SELECT count(*)::int AS n FROM recipient_verifications WHERE recipient_id = $1', [
            w.recipients[0].id,
          ])
        ).rows[0].n,
    );
    expect(count).toBe(5);

    const emailOnly = await createWorkflow(app, tenant.users.MEMBER!, {
      recipients: [{ type: 'PATIENT', name: 'P', email: 'only-email@example.test' }],
    });
    const noPhone = await sendCode(tokenOf(emailOnly.recipients[0].link), 'SMS');
    expect(noPhone.statusCode).toBe(400);
    expect(noPhone.json().errors).toEqual([{ field: 'channel', message: expect.any(String) }]);
    expect((await sendCode(tokenOf(emailOnly.recipients[0].link), 'FAX')).statusCode).toBe(400);

    const prescriber = await createWorkflow(app, tenant.users.MEMBER!);
    expect((await sendCode(tokenOf(prescriber.recipients[0].link), 'EMAIL')).statusCode).toBe(409);
    expect((await sendCode('a'.repeat(32), 'EMAIL')).statusCode).toBe(404);
    expect((await confirm('a'.repeat(32), '123456')).statusCode).toBe(404);
    expect((await confirm(tokenOf(w.recipients[0].link), '12ab56')).statusCode).toBe(400);
  });
});
