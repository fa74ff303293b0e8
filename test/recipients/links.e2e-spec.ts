import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { newLinkToken } from '@itinera/platform';
import { startApi } from '../support/test-apps';
import { asOwner, createPlatformAdmin, createTenant, type TestTenant } from '../support/identity-fixtures';
import { createWorkflow, tokenOf, type CreatedWorkflow } from '../support/workflow-fixtures';
import {
  auditActions,
  expectCountersMatchRows,
  linkRequests,
  outboxJobsFor,
  progressOf,
  VALID_FORMS,
} from './link-helpers';

describe('recipient links', () => {
  let app: NestFastifyApplication;
  let tenant: TestTenant;
  let r: ReturnType<typeof linkRequests>;

  beforeAll(async () => {
    app = await startApi({ LINK_RATE_LIMIT_MAX: '100000' });
    tenant = await createTenant(app, await createPlatformAdmin(app), ['OWNER', 'MEMBER']);
    r = linkRequests(app);
  });
  afterAll(() => app.close());

  const create = (overrides: Record<string, unknown> = {}) => createWorkflow(app, tenant.users.MEMBER!, overrides);
  const tokens = (w: CreatedWorkflow) => w.recipients.map((x) => tokenOf(x.link));

  describe('GET /r/:token', () => {
    it('shows the document, own form and whose turn it is; the first view marks ACCESSED once', async () => {
      const w = await create();
      const [t0, t1] = tokens(w);
      const first = await r.view(t0);
      expect(first.statusCode).toBe(200);
      const body = first.json();
      expect(body.verificationRequired).toBe(false);
      expect(body.recipient).toMatchObject({
        id: w.recipients[0].id,
        type: 'PRESCRIBER',
        status: 'ACCESSED',
        orderIndex: 0,
      });
      expect(body.recipient.formSchema.required).toEqual(['fullName', 'npi', 'signature', 'consent']);
      expect(body.recipient.accessedAt).toBeTruthy();
      expect(body.workflow).toMatchObject({
        id: w.id,
        status: 'ACTIVE',
        documentUrl: w.documentUrl,
        currentRecipientOrder: 0,
        yourTurn: true,
        total: 4,
        completed: 0,
      });
      expect(body.attachments).toEqual([]);
      expect(first.body).not.toContain(t0);

      const again = await r.view(t0);
      expect(again.json().recipient.status).toBe('ACCESSED');
      const second = await r.view(t1);
      expect(second.json().workflow.yourTurn).toBe(false);

      const audit = await auditActions(w.id);
      const viewed = audit.filter((a) => a.action === 'recipient.viewed');
      expect(viewed.map((a) => a.metadata?.recipientId)).toEqual([w.recipients[0].id, w.recipients[1].id]);
      expect(viewed[0]).toMatchObject({
        actor_type: 'RECIPIENT_LINK',
        actor_id: w.recipients[0].id,
        ip: '127.0.0.1',
        user_agent: 'lightMyRequest',
      });
      const rows = await asOwner(
        async (c) =>
          (
            await c.query('SELECT status, accessed_at FROM recipients WHERE session_id = $1 ORDER BY order_index', [
              w.id,
            ])
          ).rows,
      );
      expect(rows.map((x) => x.status)).toEqual(['ACCESSED', 'ACCESSED', 'PENDING', 'PENDING']);
    });

    it('concurrent first views record one view', async () => {
      const w = await create();
      const [t0] = tokens(w);
      const answers = await Promise.all(Array.from({ length: 8 }, () => r.view(t0)));
      expect(answers.map((a) => a.statusCode)).toEqual(Array(8).fill(200));
      expect((await auditActions(w.id)).filter((a) => a.action === 'recipient.viewed')).toHaveLength(1);
    });

    it('shows a CUSTOM recipient its own JSON Schema', async () => {
      const formSchema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] };
      const w = await create({
        recipients: [{ type: 'CUSTOM', name: 'Custom', email: 'custom@example.test', formSchema }],
      });
      const body = (await r.view(tokens(w)[0])).json();
      expect(body.recipient.formSchema).toEqual(formSchema);
    });

    describe('answers the same 404 for every link that leads nowhere', () => {
      let expected: Record<string, unknown>;
      const shape = (response: { statusCode: number; json: () => Record<string, unknown> }) => {
        const { status, code, title, detail, type } = response.json();
        return { statusCode: response.statusCode, status, code, title, detail, type };
      };

      beforeAll(async () => {
        expected = shape(await r.view(newLinkToken().token));
        expect(expected).toMatchObject({ statusCode: 404, code: 'NOT_FOUND' });
      });

      it.each([
        ['too short', 'abc'],
        ['upper case', 'A'.repeat(32)],
        ['wrong alphabet', '0'.repeat(32)],
        ['long (at the router limit of 100 characters)', 'a'.repeat(100)],
        ['URL-encoded junk', '%27%20OR%201%3D1--'],
      ])('malformed: %s', async (_what, token) => {
        expect(shape(await r.view(token))).toEqual(expected);
      });

      it('a token past the router limit never reaches the lookup and is not a 2xx or 5xx', async () => {
        // Fastify refuses path parameters over maxParamLength (100) itself, with 414.
        expect((await r.view('a'.repeat(5000))).statusCode).toBe(414);
      });

      it('expired by time before the expiry job ran', async () => {
        const w = await create();
        await asOwner((c) =>
          c.query(`UPDATE workflow_sessions SET expires_at = now() - interval '1 second' WHERE id = $1`, [w.id]),
        );
        expect(shape(await r.view(tokens(w)[0]))).toEqual(expected);
        expect(shape(await r.complete(tokens(w)[0], VALID_FORMS.PRESCRIBER))).toEqual(expected);
        expect(shape(await r.draft(tokens(w)[0], { fullName: 'x' }))).toEqual(expected);
      });

      it('expired by the job (status EXPIRED)', async () => {
        const w = await create();
        await asOwner((c) =>
          c.query(`UPDATE workflow_sessions SET status = 'EXPIRED', finished_at = now() WHERE id = $1`, [w.id]),
        );
        expect(shape(await r.view(tokens(w)[0]))).toEqual(expected);
      });

      it('cancelled', async () => {
        const w = await create();
        const cancel = await app.inject({
          method: 'POST',
          url: `/workflows/${w.id}/cancel`,
          payload: { reason: 'test' },
          headers: { authorization: `Bearer ${tenant.users.MEMBER!.accessToken}` },
        });
        expect(cancel.statusCode).toBeLessThan(300);
        expect(shape(await r.view(tokens(w)[0]))).toEqual(expected);
        expect(shape(await r.decline(tokens(w)[0], 'no'))).toEqual(expected);
      });

      it('replaced (resend or reassignment gave the recipient a new token)', async () => {
        const w = await create();
        const [t0] = tokens(w);
        expect((await r.view(t0)).statusCode).toBe(200);
        const fresh = newLinkToken();
        await asOwner((c) =>
          c.query('UPDATE recipients SET token_hash = $2 WHERE id = $1', [w.recipients[0].id, fresh.hash]),
        );
        expect(shape(await r.view(t0))).toEqual(expected);
        expect(shape(await r.complete(t0, VALID_FORMS.PRESCRIBER))).toEqual(expected);
        expect((await r.view(fresh.token)).statusCode).toBe(200);
      });
    });
  });

  describe('PATCH /r/:token/draft', () => {
    it('merges into the saved form data, validates as a draft and marks IN_PROGRESS', async () => {
      const w = await create();
      const [t0] = tokens(w);
      const first = await r.draft(t0, { fullName: 'Dr. Ada Prescriber' });
      expect(first.statusCode).toBe(200);
      expect(first.json()).toEqual({ status: 'IN_PROGRESS', formData: { fullName: 'Dr. Ada Prescriber' } });
      const second = await r.draft(t0, { npi: '1234567893', consent: false });
      expect(second.json().formData).toEqual({ fullName: 'Dr. Ada Prescriber', npi: '1234567893', consent: false });
      const removed = await r.draft(t0, { consent: null });
      expect(removed.json().formData).toEqual({ fullName: 'Dr. Ada Prescriber', npi: '1234567893' });

      const view = (await r.view(t0)).json();
      expect(view.recipient.status).toBe('IN_PROGRESS');
      expect(view.recipient.formData).toEqual({ fullName: 'Dr. Ada Prescriber', npi: '1234567893' });
      const drafts = (await auditActions(w.id)).filter((a) => a.action === 'recipient.draft_saved');
      expect(drafts).toHaveLength(3);
      expect(drafts[1].metadata).toEqual({ recipientId: w.recipients[0].id, fields: ['npi', 'consent'] });
    });

    it('refuses bad formats and unknown fields by name and changes nothing', async () => {
      const w = await create();
      const [t0] = tokens(w);
      await r.draft(t0, { fullName: 'Kept' });
      const bad = await r.draft(t0, { npi: '1234567890', dateOfBirth: '1980-01-01' });
      expect(bad.statusCode).toBe(400);
      expect(
        bad
          .json()
          .errors.map((e: { field: string }) => e.field)
          .sort(),
      ).toEqual(['formData.dateOfBirth', 'formData.npi']);
      const notObject = await r.draft(t0, 'text');
      expect(notObject.statusCode).toBe(400);
      const row = await asOwner(
        async (c) => (await c.query('SELECT form_data FROM recipients WHERE id = $1', [w.recipients[0].id])).rows[0],
      );
      expect(row.form_data).toEqual({ fullName: 'Kept' });
    });

    it('may save a draft before its turn, but not after completing (409)', async () => {
      const w = await create();
      const [t0, t1] = tokens(w);
      expect((await r.draft(t1, { fullName: 'Pat' })).statusCode).toBe(200);
      expect((await r.complete(t0, VALID_FORMS.PRESCRIBER)).statusCode).toBe(200);
      const after = await r.draft(t0, { fullName: 'Changed' });
      expect(after.statusCode).toBe(409);
      expect(after.json().code).toBe('RECIPIENT_FINISHED');
    });
  });

  describe('POST /r/:token/complete', () => {
    it('completes in order, hands over to the next recipient through the outbox, and the last completes the session', async () => {
      const w = await create();
      const ts = tokens(w);
      const order = ['PRESCRIBER', 'PATIENT', 'PHARMACY', 'INSURANCE'];

      const early = await r.complete(ts[1], VALID_FORMS.PATIENT);
      expect(early.statusCode).toBe(409);
      expect(early.json().code).toBe('NOT_YOUR_TURN');

      for (let i = 0; i < 4; i++) {
        const done = await r.complete(ts[i], VALID_FORMS[order[i]]);
        expect(done.statusCode).toBe(200);
        expect(done.json()).toMatchObject({
          recipientId: w.recipients[i].id,
          status: 'COMPLETED',
          completed: i + 1,
          currentRecipientOrder: i + 1,
          total: 4,
          workflowStatus: i === 3 ? 'COMPLETED' : 'ACTIVE',
        });
        const progress = await progressOf(w.id);
        expectCountersMatchRows(progress);
        if (i < 3) {
          const jobs = await outboxJobsFor(w.recipients[i + 1].id);
          expect(jobs).toContainEqual(
            expect.objectContaining({
              job_name: 'recipient-notify',
              payload: expect.objectContaining({
                recipientId: w.recipients[i + 1].id,
                kind: 'link',
                tenantId: tenant.id,
              }),
            }),
          );
        }
      }
      expect((await progressOf(w.id)).status).toBe('COMPLETED');

      const twice = await r.complete(ts[3], VALID_FORMS.INSURANCE);
      expect(twice.statusCode).toBe(409);
      expect(twice.json().code).toBe('RECIPIENT_FINISHED');

      // A completed session may still be viewed, read-only.
      const view = (await r.view(ts[0])).json();
      expect(view.workflow).toMatchObject({ status: 'COMPLETED', yourTurn: false, completed: 4 });
      expect(view.recipient.formData).toEqual(VALID_FORMS.PRESCRIBER);

      const rows = await asOwner(
        async (c) =>
          (
            await c.query(
              'SELECT status, completed_at, token_ciphertext, form_data FROM recipients WHERE session_id = $1 ORDER BY order_index',
              [w.id],
            )
          ).rows,
      );
      for (const [i, row] of rows.entries()) {
        expect(row).toMatchObject({ status: 'COMPLETED', token_ciphertext: null, form_data: VALID_FORMS[order[i]] });
        expect(row.completed_at).toBeTruthy();
      }
      const actions = (await auditActions(w.id)).map((a) => a.action);
      expect(actions.filter((a) => a === 'recipient.completed')).toHaveLength(4);
      expect(actions).toContain('workflow.completed');
    });

    it('validates the merged draft and submission in full for the type, naming fields', async () => {
      const w = await create();
      const [t0] = tokens(w);
      await r.draft(t0, { fullName: 'Dr. Ada Prescriber', npi: '1234567893' });
      const missing = await r.complete(t0, {});
      expect(missing.statusCode).toBe(400);
      expect(
        missing
          .json()
          .errors.map((e: { field: string }) => e.field)
          .sort(),
      ).toEqual(['formData.consent', 'formData.signature']);
      const wrongType = await r.complete(t0, VALID_FORMS.PATIENT);
      expect(wrongType.statusCode).toBe(400);
      expect(wrongType.json().errors.map((e: { field: string }) => e.field)).toEqual(
        expect.arrayContaining(['formData.dateOfBirth', 'formData.consentAccepted', 'formData.signature']),
      );
      const extra = await r.complete(t0, { ...VALID_FORMS.PRESCRIBER, ssn: '123' });
      expect(extra.statusCode).toBe(400);
      expect(extra.json().errors).toEqual([{ field: 'formData.ssn', message: 'is not allowed' }]);
      const badNpi = await r.complete(t0, { ...VALID_FORMS.PRESCRIBER, npi: '1234567890' });
      expect(badNpi.json().errors).toEqual([{ field: 'formData.npi', message: expect.stringContaining('NPI') }]);
      const signature = await r.complete(t0, { ...VALID_FORMS.PRESCRIBER, signature: 'Somebody Else' });
      expect(signature.json().errors.map((e: { field: string }) => e.field)).toEqual(['formData.signature']);

      const row = await asOwner(
        async (c) => (await c.query('SELECT status FROM recipients WHERE id = $1', [w.recipients[0].id])).rows[0],
      );
      expect(row.status).toBe('IN_PROGRESS');
      expect((await r.complete(t0, { signature: 'dr. ada prescriber', consent: true })).statusCode).toBe(200);
    });

    it.each([
      ['PATIENT', { ...VALID_FORMS.PATIENT, dateOfBirth: '2999-01-01' }, ['formData.dateOfBirth']],
      ['PATIENT', { ...VALID_FORMS.PATIENT, consentAccepted: false }, ['formData.consentAccepted']],
      ['PHARMACY', { name: 'No ids' }, ['formData.ncpdpId']],
      ['PHARMACY', { name: 'P', ncpdpId: '12345' }, ['formData.ncpdpId']],
      ['PHARMACY', { name: 'P', npi: '1234567893' }, []],
      ['INSURANCE', { payer: 'A', memberId: 'M', decision: 'MAYBE' }, ['formData.decision']],
      ['INSURANCE', { payer: 'A', memberId: 'M', groupNumber: 'G', decisionNote: 'n' }, []],
    ])('validates a %s form %j', async (type, formData, fields) => {
      const w = await create({
        recipients: [{ type, name: 'Someone', email: 'someone@example.test', requiresVerification: false }],
      });
      const answer = await r.complete(tokens(w)[0], formData);
      if (fields.length === 0) {
        expect(answer.statusCode).toBe(200);
      } else {
        expect(answer.statusCode).toBe(400);
        expect(answer.json().errors.map((e: { field: string }) => e.field)).toEqual(fields);
      }
    });

    it('validates a CUSTOM form with its JSON Schema', async () => {
      const formSchema = {
        type: 'object',
        required: ['email', 'count'],
        properties: { email: { type: 'string', format: 'email' }, count: { type: 'integer', minimum: 1 } },
      };
      const w = await create({ recipients: [{ type: 'CUSTOM', name: 'C', email: 'c@example.test', formSchema }] });
      const [t0] = tokens(w);
      const bad = await r.complete(t0, { email: 'nope', count: 0, other: true });
      expect(bad.statusCode).toBe(400);
      expect(
        bad
          .json()
          .errors.map((e: { field: string }) => e.field)
          .sort(),
      ).toEqual(['formData.count', 'formData.email', 'formData.other']);
      expect((await r.draft(t0, { email: 'a@b.example' })).statusCode).toBe(200);
      expect((await r.complete(t0, { count: 2 })).statusCode).toBe(200);
      expect((await progressOf(w.id)).status).toBe('COMPLETED');
    });
  });

  describe('Idempotency-Key on complete and decline', () => {
    const post = (token: string, action: string, payload: object, key: string) =>
      app.inject({ method: 'POST', url: `/r/${token}/${action}`, payload, headers: { 'idempotency-key': key } });

    it('a repeated completion with the same key and body replays the first answer; another body is 422', async () => {
      const w = await create();
      const [t0] = tokens(w);
      const first = await post(t0, 'complete', { formData: VALID_FORMS.PRESCRIBER }, 'complete-1');
      expect(first.statusCode).toBe(200);
      const again = await post(t0, 'complete', { formData: VALID_FORMS.PRESCRIBER }, 'complete-1');
      expect(again.statusCode).toBe(200);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.json()).toEqual(first.json());
      const other = await post(
        t0,
        'complete',
        { formData: { ...VALID_FORMS.PRESCRIBER, npi: '1234567893 ' } },
        'complete-1',
      );
      expect(other.statusCode).toBe(422);
      // Without the key, a second completion is the 409 it always was.
      expect((await r.complete(t0, VALID_FORMS.PRESCRIBER)).statusCode).toBe(409);
      const audits = (await auditActions(w.id)).filter((a) => a.action === 'recipient.completed');
      expect(audits).toHaveLength(1);
    });

    it('a repeated decline with the same key replays it', async () => {
      const w = await create();
      const [t0] = tokens(w);
      const first = await post(t0, 'decline', { reason: 'no' }, 'decline-1');
      expect(first.statusCode).toBe(200);
      // The session is cancelled: without a key the link is dead; with the key, the first answer.
      const again = await post(t0, 'decline', { reason: 'no' }, 'decline-1');
      expect(again.statusCode).toBe(200);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.json()).toEqual(first.json());
      expect((await r.decline(t0, 'no')).statusCode).toBe(404);
      // A new key on a dead link is the same 404 as ever.
      expect((await post(t0, 'decline', { reason: 'no' }, 'decline-2')).json().code).toBe('NOT_FOUND');
      expect((await post(t0, 'decline', { reason: 'no' }, 'decline-2')).statusCode).toBe(404);
    });
  });

  describe('POST /r/:token/decline', () => {
    it('stops the session: recipient DECLINED, session CANCELLED, links dead, creator notified', async () => {
      const w = await create();
      const [t0, t1] = tokens(w);
      expect((await r.complete(t0, VALID_FORMS.PRESCRIBER)).statusCode).toBe(200);
      const outOfTurn = await r.decline(tokens(w)[2], 'not me');
      expect(outOfTurn.statusCode).toBe(409);
      expect((await r.decline(t1, '')).statusCode).toBe(400);
      expect((await r.decline(t1, 'x'.repeat(1001))).statusCode).toBe(400);

      const declined = await r.decline(t1, 'I do not consent');
      expect(declined.statusCode).toBe(200);
      expect(declined.json()).toMatchObject({ status: 'DECLINED', workflowStatus: 'CANCELLED' });
      const session = await asOwner(
        async (c) =>
          (await c.query('SELECT status, cancel_reason, finished_at FROM workflow_sessions WHERE id = $1', [w.id]))
            .rows[0],
      );
      expect(session.status).toBe('CANCELLED');
      expect(session.cancel_reason).toBe('declined by recipient 1: I do not consent');
      const recipient = await asOwner(
        async (c) =>
          (
            await c.query('SELECT status, declined_at, decline_reason FROM recipients WHERE id = $1', [
              w.recipients[1].id,
            ])
          ).rows[0],
      );
      expect(recipient).toMatchObject({ status: 'DECLINED', decline_reason: 'I do not consent' });
      expect((await r.view(t1)).statusCode).toBe(404);
      expect((await r.view(t0)).statusCode).toBe(404);
      const actions = (await auditActions(w.id)).map((a) => a.action);
      expect(actions).toEqual(expect.arrayContaining(['recipient.declined', 'workflow.cancelled']));
      expectCountersMatchRows(await progressOf(w.id));
    });
  });
});

describe('recipient link rate limit', () => {
  let app: NestFastifyApplication;
  beforeAll(async () => {
    app = await startApi({ LINK_RATE_LIMIT_MAX: '3' });
  });
  afterAll(() => app.close());

  it('refuses more than LINK_RATE_LIMIT_MAX link requests a minute from one IP with a 429 problem', async () => {
    const token = newLinkToken().token;
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await app.inject({ method: 'GET', url: `/r/${token}` }));
    expect(answers.map((a) => a.statusCode)).toEqual([404, 404, 404, 429]);
    expect(answers[3].json()).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
    expect(answers[3].headers['retry-after']).toBeDefined();
  });
});
