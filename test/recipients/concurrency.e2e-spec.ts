import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { WorkflowExpiryService } from '@itinera/workflows';
import { startApi, startWorker } from '../support/test-apps';
import { asOwner, createPlatformAdmin, createTenant, type TestTenant } from '../support/identity-fixtures';
import { createWorkflow, tokenOf, type RecipientInput } from '../support/workflow-fixtures';
import { expectCountersMatchRows, linkRequests, progressOf, VALID_FORMS } from './link-helpers';

/** A small deterministic PRNG (mulberry32), so a failing sequence can be replayed from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('recipient links under concurrency', () => {
  let app: NestFastifyApplication;
  let tenant: TestTenant;
  let r: ReturnType<typeof linkRequests>;

  beforeAll(async () => {
    app = await startApi({ LINK_RATE_LIMIT_MAX: '100000' });
    tenant = await createTenant(app, await createPlatformAdmin(app), ['OWNER', 'MEMBER']);
    r = linkRequests(app);
  });
  afterAll(() => app.close());

  it('twenty concurrent completes of one recipient: exactly one succeeds, the rest 409, counters equal rows', async () => {
    const w = await createWorkflow(app, tenant.users.MEMBER!);
    const token = tokenOf(w.recipients[0].link);
    const answers = await Promise.all(Array.from({ length: 20 }, () => r.complete(token, VALID_FORMS.PRESCRIBER)));
    const codes = answers.map((a) => a.statusCode).sort();
    expect(codes.filter((c) => c === 200)).toHaveLength(1);
    expect(codes.filter((c) => c === 409)).toHaveLength(19);
    for (const a of answers.filter((x) => x.statusCode === 409)) expect(a.json().code).toBe('RECIPIENT_FINISHED');
    const progress = await progressOf(w.id);
    expectCountersMatchRows(progress);
    expect(progress).toMatchObject({ completed_recipients: 1, current_recipient_order: 1 });
    const counts = await asOwner(
      async (c) =>
        (
          await c.query(
            `SELECT (SELECT count(*)::int FROM audit_log WHERE resource_id = $1 AND action = 'recipient.completed') AS audits,
                    (SELECT count(*)::int FROM outbox_messages WHERE job_name = 'recipient-notify'
                        AND payload->>'recipientId' = $2) AS handovers`,
            [w.id, w.recipients[1].id],
          )
        ).rows[0],
    );
    expect(counts).toEqual({ audits: 1, handovers: 1 });
  });

  it('concurrent completes and declines of consecutive recipients never skip a turn', async () => {
    const w = await createWorkflow(app, tenant.users.MEMBER!);
    const ts = w.recipients.map((x) => tokenOf(x.link));
    const forms = ['PRESCRIBER', 'PATIENT', 'PHARMACY', 'INSURANCE'].map((t) => VALID_FORMS[t]);
    const answers = await Promise.all([
      ...ts.map((t, i) => r.complete(t, forms[i])),
      ...ts.map((t, i) => r.complete(t, forms[i])),
      r.decline(ts[2], 'racing'),
    ]);
    for (const a of answers) expect([200, 404, 409]).toContain(a.statusCode);
    const progress = await progressOf(w.id);
    expectCountersMatchRows(progress);
    const rows = await asOwner(
      async (c) =>
        (await c.query('SELECT order_index, status FROM recipients WHERE session_id = $1 ORDER BY order_index', [w.id]))
          .rows,
    );
    // Completed recipients are a prefix of the route.
    const completed = rows.filter((x) => x.status === 'COMPLETED').map((x) => x.order_index);
    expect(completed).toEqual(completed.map((_, i) => i));
  });

  it('after a random sequence of actions over several sessions the counters equal the rows', async () => {
    const seed = Number(process.env.LINKS_SEED ?? Date.now() % 100_000);
    const random = prng(seed);
    const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)];
    const sessions = await Promise.all(Array.from({ length: 5 }, () => createWorkflow(app, tenant.users.MEMBER!)));
    const forms = ['PRESCRIBER', 'PATIENT', 'PHARMACY', 'INSURANCE'].map((t) => VALID_FORMS[t]);
    for (let step = 0; step < 16; step++) {
      // A few actions at once, on random recipients of random sessions.
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          const w = pick(sessions);
          const i = Math.floor(random() * w.recipients.length);
          const token = tokenOf(w.recipients[i].link);
          const roll = random();
          const answer =
            roll < 0.15
              ? await r.view(token)
              : roll < 0.3
                ? await r.draft(token, { fullName: 'Draft' })
                : roll < 0.4
                  ? await r.complete(token, { bogus: true })
                  : roll < 0.95
                    ? await r.complete(token, forms[i])
                    : await r.decline(token, 'random decline');
          expect({ seed, status: answer.statusCode }).toEqual({ seed, status: expect.any(Number) });
          expect(answer.statusCode).toBeLessThan(500);
        }),
      );
      for (const w of sessions) expectCountersMatchRows(await progressOf(w.id));
    }
  });

  describe('racing the expiry job', () => {
    let worker: NestFastifyApplication;
    beforeAll(async () => {
      worker = await startWorker();
    });
    afterAll(() => worker.close());

    it('leaves each session either completed by its recipient or expired with it, never a mix', async () => {
      const expiry = worker.get(WorkflowExpiryService);
      const recipients: RecipientInput[] = [
        { type: 'PRESCRIBER', name: 'Dr. Ada Prescriber', email: 'race@example.test' },
      ];
      const sessions = await Promise.all(
        Array.from({ length: 12 }, () => createWorkflow(app, tenant.users.MEMBER!, { recipients })),
      );
      // Expiry moments spread over the next 500 ms; completes and expiry runs fired across them.
      await asOwner((c) =>
        c.query(
          `UPDATE workflow_sessions SET expires_at = now() + (random() * interval '500 milliseconds')
            WHERE id = ANY ($1::uuid[])`,
          [sessions.map((w) => w.id)],
        ),
      );
      const answers = new Map<string, number>();
      const completes = sessions.map(async (w, i) => {
        await new Promise((resolve) => setTimeout(resolve, i * 25));
        const answer = await r.complete(tokenOf(w.recipients[0].link), VALID_FORMS.PRESCRIBER);
        answers.set(w.id, answer.statusCode);
      });
      const expiryRuns = (async () => {
        for (let i = 0; i < 8; i++) {
          await expiry.run();
          await new Promise((resolve) => setTimeout(resolve, 40));
        }
      })();
      await Promise.all([...completes, expiryRuns]);
      await new Promise((resolve) => setTimeout(resolve, 550));
      await expiry.run();

      const outcomes = { completed: 0, expired: 0 };
      for (const w of sessions) {
        const state = await asOwner(
          async (c) =>
            (
              await c.query(
                `SELECT s.status AS session, r.status AS recipient FROM workflow_sessions s
                   JOIN recipients r ON r.session_id = s.id WHERE s.id = $1`,
                [w.id],
              )
            ).rows[0],
        );
        const answer = answers.get(w.id);
        if (answer === 200) {
          expect(state).toEqual({ session: 'COMPLETED', recipient: 'COMPLETED' });
          outcomes.completed++;
        } else {
          expect(answer).toBe(404);
          expect(state).toEqual({ session: 'EXPIRED', recipient: 'EXPIRED' });
          outcomes.expired++;
        }
        expectCountersMatchRows(await progressOf(w.id));
      }
      expect(outcomes.completed + outcomes.expired).toBe(sessions.length);
    });
  });
});
