import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { asOwner, bearer, type TestUser } from '../support/identity-fixtures';
import { FakeOpenAiServer } from '../support/fake-openai-server';
import { startApi } from '../support/test-apps';
import { analysisWorld, requestAnalysis, type AnalysisWorld } from './analysis-fixtures';

/**
 * The monthly model-provider budget: its routes (tenant admins, audited), the refusal of an
 * analysis that would pass it (402 with what remains, nothing queued), reservations that hold
 * under concurrent requests, and the cost totals per tenant and kind. No worker runs here, so
 * requested analyses stay QUEUED and keep their reservation.
 */
describe('analysis costs: the monthly budget and the cost totals', () => {
  let fake: FakeOpenAiServer;
  let api: NestFastifyApplication;
  let world: AnalysisWorld;

  // Prices that make an estimate of whole money (limits have cents): 4,000 tokens in at 0.25 and
  // 1,000 out at 1 per 1k.
  const ESTIMATE = 2;

  beforeAll(async () => {
    fake = await FakeOpenAiServer.start();
    api = await startApi(fake.env({ MODEL_PRICE_INPUT_PER_1K: '0.25', MODEL_PRICE_OUTPUT_PER_1K: '1' }));
    world = await analysisWorld(api);
  });
  afterAll(async () => {
    await api?.close();
    await fake?.close();
  });

  const admin = () => world.tenant.users.ADMIN!;
  const call = (method: 'GET' | 'PUT' | 'DELETE', url: string, user: TestUser = admin(), payload?: unknown) =>
    api.inject({
      method,
      url,
      headers: bearer(user.accessToken),
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
  const setBudget = (monthlyLimit: unknown, w: AnalysisWorld = world) =>
    call('PUT', '/analyses/budget', w.tenant.users.OWNER!, { monthlyLimit });
  const review = (w: AnalysisWorld = world) =>
    requestAnalysis(api, w.patient, w.repositoryId, { kind: 'MODEL_REVIEW', priority: 5 });
  const queuedOf = (tenantId: string) =>
    asOwner(
      async (c) =>
        (
          await c.query<{ n: number; reserved: string }>(
            `SELECT count(*)::int AS n, coalesce(sum(estimated_cost), 0)::text AS reserved
               FROM patient_analyses WHERE tenant_id = $1 AND kind = 'MODEL_REVIEW' AND status = 'QUEUED'`,
            [tenantId],
          )
        ).rows[0],
    );
  const insertCost = (
    tenantId: string,
    kind: string,
    cost: number,
    tokens: [number, number],
    createdAt = 'now()',
    analysisId = randomUUID(),
  ) =>
    asOwner((c) =>
      c.query(
        `INSERT INTO analysis_costs (tenant_id, analysis_id, kind, model, input_tokens, output_tokens, cost, created_at)
         VALUES ($1, $2, $3::"AnalysisKind", 'fake-model-1', $4, $5, $6, ${createdAt})`,
        [tenantId, analysisId, kind, tokens[0], tokens[1], cost],
      ),
    );

  describe('routes', () => {
    it('answers no limit while the tenant has no budget', async () => {
      const response = await call('GET', '/analyses/budget');
      expect(response.statusCode).toBe(200);
      const now = new Date();
      expect(response.json()).toEqual({
        monthlyLimit: null,
        spentThisMonth: 0,
        reserved: 0,
        remaining: null,
        periodStart: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString(),
        periodEnd: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)).toISOString(),
        updatedAt: null,
      });
    });

    it('sets, changes and removes the budget, each change audited with the limits only', async () => {
      const set = await setBudget(12.5);
      expect(set.statusCode).toBe(200);
      expect(set.json()).toMatchObject({ monthlyLimit: 12.5, remaining: 12.5, spentThisMonth: 0, reserved: 0 });
      expect((await setBudget(20)).json()).toMatchObject({ monthlyLimit: 20 });
      expect((await call('GET', '/analyses/budget')).json()).toMatchObject({ monthlyLimit: 20, remaining: 20 });
      expect((await call('DELETE', '/analyses/budget')).statusCode).toBe(204);
      const again = await call('DELETE', '/analyses/budget');
      expect(again.statusCode).toBe(404);
      expect(again.json()).toMatchObject({ code: 'NOT_FOUND' });
      expect((await call('GET', '/analyses/budget')).json()).toMatchObject({ monthlyLimit: null });

      const audit = await asOwner(
        async (c) =>
          (
            await c.query(
              `SELECT action, actor_id, before, after FROM audit_log
                WHERE tenant_id = $1 AND resource_type = 'analysis-budget' ORDER BY seq`,
              [world.tenant.id],
            )
          ).rows,
      );
      expect(audit).toEqual([
        {
          action: 'analysis-budget.set',
          actor_id: world.tenant.users.OWNER!.userId,
          before: null,
          after: { monthlyLimit: 12.5 },
        },
        {
          action: 'analysis-budget.changed',
          actor_id: world.tenant.users.OWNER!.userId,
          before: { monthlyLimit: 12.5 },
          after: { monthlyLimit: 20 },
        },
        { action: 'analysis-budget.removed', actor_id: admin().userId, before: { monthlyLimit: 20 }, after: null },
      ]);
    });

    it.each([
      ['negative', -1],
      ['more than 2 decimals', 1.234],
      ['a string', '5'],
      ['too large', 1e13],
      ['null', null],
    ])('refuses a monthlyLimit that is %s with 400 naming the field', async (_what, value) => {
      const response = await setBudget(value);
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ code: 'VALIDATION_FAILED' });
      expect(new Set(response.json().errors.map((e: { field: string }) => e.field))).toEqual(new Set(['monthlyLimit']));
    });

    it('refuses a missing limit and unknown fields with 400', async () => {
      expect((await call('PUT', '/analyses/budget', admin(), {})).statusCode).toBe(400);
      const extra = await call('PUT', '/analyses/budget', admin(), { monthlyLimit: 1, currency: 'EUR' });
      expect(extra.statusCode).toBe(400);
      expect(extra.json().errors).toEqual([expect.objectContaining({ field: 'currency' })]);
    });

    it('is for tenant admins only', async () => {
      for (const user of [world.patient, world.specialist]) {
        expect((await call('GET', '/analyses/budget', user)).statusCode).toBe(403);
        expect((await call('PUT', '/analyses/budget', user, { monthlyLimit: 1000 })).statusCode).toBe(403);
        expect((await call('DELETE', '/analyses/budget', user)).statusCode).toBe(403);
        expect((await call('GET', '/analyses/costs', user)).statusCode).toBe(403);
      }
      expect((await api.inject({ method: 'GET', url: '/analyses/budget' })).statusCode).toBe(401);
    });
  });

  describe('refusal and reservation', () => {
    it('refuses the analysis that would pass the budget with 402 and what remains, and queues nothing for it', async () => {
      const w = await analysisWorld(api);
      expect((await setBudget(5, w)).statusCode).toBe(200);
      expect((await review(w)).statusCode).toBe(201);
      expect((await review(w)).statusCode).toBe(201);
      const outboxBefore = await asOwner(
        async (c) =>
          (
            await c.query("SELECT count(*)::int AS n FROM outbox_messages WHERE payload->>'tenantId' = $1", [
              w.tenant.id,
            ])
          ).rows[0].n,
      );

      const refused = await review(w);
      expect(refused.statusCode).toBe(402);
      expect(refused.headers['content-type']).toContain('application/problem+json');
      expect(refused.json()).toMatchObject({
        status: 402,
        code: 'BUDGET_EXCEEDED',
        monthlyLimit: 5,
        spentThisMonth: 0,
        reserved: 2 * ESTIMATE,
        remainingBudget: 1,
        estimatedCost: ESTIMATE,
      });
      expect(await queuedOf(w.tenant.id)).toEqual({ n: 2, reserved: '4.000000' });
      const outboxAfter = await asOwner(
        async (c) =>
          (
            await c.query("SELECT count(*)::int AS n FROM outbox_messages WHERE payload->>'tenantId' = $1", [
              w.tenant.id,
            ])
          ).rows[0].n,
      );
      expect(outboxAfter).toBe(outboxBefore);
      expect((await call('GET', '/analyses/budget', w.tenant.users.ADMIN!)).json()).toMatchObject({
        monthlyLimit: 5,
        reserved: 4,
        remaining: 1,
      });

      // Built-in analysers cost nothing and are never refused, even with nothing left.
      expect((await setBudget(0, w)).statusCode).toBe(200);
      expect(
        (await requestAnalysis(api, w.patient, w.repositoryId, { kind: 'VITAL_SIGNS', priority: 5 })).statusCode,
      ).toBe(201);
      expect((await review(w)).json()).toMatchObject({ code: 'BUDGET_EXCEEDED', remainingBudget: 0 });
    });

    it("counts this month's recorded spending, not last month's, and releases a finished analysis's reservation", async () => {
      const w = await analysisWorld(api);
      await setBudget(3, w);
      await insertCost(
        w.tenant.id,
        'MODEL_REVIEW',
        5,
        [100_000, 1_000],
        "date_trunc('month', now()) - interval '1 hour'",
      );
      expect((await review(w)).statusCode).toBe(201);
      expect((await review(w)).statusCode).toBe(402);
      // The queued one finishes having spent 0.7 of its 2: the difference is free again.
      await asOwner((c) =>
        c.query(
          `UPDATE patient_analyses SET status = 'COMPLETED', cost = 0.7, progress = 100, started_at = now(), finished_at = now()
            WHERE tenant_id = $1`,
          [w.tenant.id],
        ),
      );
      await insertCost(w.tenant.id, 'MODEL_REVIEW', 0.7, [2_000, 500]);
      expect((await call('GET', '/analyses/budget', w.tenant.users.ADMIN!)).json()).toMatchObject({
        spentThisMonth: 0.7,
        reserved: 0,
        remaining: 2.3,
      });
      expect((await review(w)).statusCode).toBe(201);
      expect((await review(w)).json()).toMatchObject({ code: 'BUDGET_EXCEEDED', remainingBudget: 0.3 });
    });

    it('lets concurrent requests reserve no more than the budget holds', async () => {
      const w = await analysisWorld(api);
      await setBudget(5 * ESTIMATE, w);
      const responses = await Promise.all(Array.from({ length: 12 }, () => review(w)));
      const statuses = responses.map((r) => r.statusCode).sort();
      expect(statuses.filter((s) => s === 201)).toHaveLength(5);
      expect(statuses.filter((s) => s === 402)).toHaveLength(7);
      expect(await queuedOf(w.tenant.id)).toEqual({ n: 5, reserved: '10.000000' });
    });

    it("keeps one tenant's budget and spending out of another's", async () => {
      const a = await analysisWorld(api);
      const b = await analysisWorld(api);
      await setBudget(ESTIMATE, a);
      expect((await review(a)).statusCode).toBe(201);
      expect((await review(b)).statusCode).toBe(201);
      expect((await review(b)).statusCode).toBe(201);
      expect((await call('GET', '/analyses/budget', b.tenant.users.ADMIN!)).json()).toMatchObject({
        monthlyLimit: null,
        reserved: 4,
      });
      expect((await call('GET', '/analyses/budget', a.tenant.users.ADMIN!)).json()).toMatchObject({
        reserved: ESTIMATE,
        remaining: 0,
      });
    });
  });

  describe('cost totals', () => {
    it('totals calls, analyses, tokens and cost for the tenant and per kind over a range', async () => {
      const w = await analysisWorld(api);
      const other = await analysisWorld(api);
      const analysis = randomUUID();
      await insertCost(w.tenant.id, 'MODEL_REVIEW', 0.0021, [1200, 300], 'now()', analysis);
      await insertCost(w.tenant.id, 'MODEL_REVIEW', 0.0021, [1200, 300], 'now()', analysis);
      await insertCost(w.tenant.id, 'MODEL_REVIEW', 0.0042, [2400, 600]);
      await insertCost(w.tenant.id, 'VITAL_SIGNS', 0.000001, [1, 1]);
      await insertCost(w.tenant.id, 'MODEL_REVIEW', 1, [1, 1], "now() - interval '40 days'");
      await insertCost(other.tenant.id, 'MODEL_REVIEW', 7, [9, 9]);

      const response = await call('GET', '/analyses/costs', w.tenant.users.OWNER!);
      expect(response.statusCode).toBe(200);
      const body = response.json();
      expect(body.total).toEqual({ calls: 4, analyses: 3, inputTokens: 4801, outputTokens: 1201, cost: 0.008401 });
      // Kinds in the AnalysisKind enum's order.
      expect(body.byKind).toEqual([
        { kind: 'VITAL_SIGNS', calls: 1, analyses: 1, inputTokens: 1, outputTokens: 1, cost: 0.000001 },
        { kind: 'MODEL_REVIEW', calls: 3, analyses: 2, inputTokens: 4800, outputTokens: 1200, cost: 0.0084 },
      ]);

      const from = new Date(Date.now() - 60 * 86_400_000).toISOString();
      const wide = (
        await call(
          'GET',
          `/analyses/costs?from=${from}&to=${new Date(Date.now() + 60_000).toISOString()}`,
          w.tenant.users.OWNER!,
        )
      ).json();
      expect(wide.total).toMatchObject({ calls: 5, cost: 1.008401 });
      const old = (
        await call(
          'GET',
          `/analyses/costs?from=${from}&to=${new Date(Date.now() - 30 * 86_400_000).toISOString()}`,
          w.tenant.users.OWNER!,
        )
      ).json();
      expect(old).toMatchObject({
        total: { calls: 1, analyses: 1, cost: 1 },
        byKind: [{ kind: 'MODEL_REVIEW', calls: 1 }],
      });
    });

    it('answers zeros for a range without calls, and 400 for a bad or empty range', async () => {
      const empty = (await call('GET', '/analyses/costs?from=2001-01-01T00:00:00Z&to=2001-02-01T00:00:00Z')).json();
      expect(empty).toEqual({
        from: '2001-01-01T00:00:00.000Z',
        to: '2001-02-01T00:00:00.000Z',
        total: { calls: 0, analyses: 0, inputTokens: 0, outputTokens: 0, cost: 0 },
        byKind: [],
      });
      const reversed = await call('GET', '/analyses/costs?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z');
      expect(reversed.statusCode).toBe(400);
      expect(reversed.json().errors).toEqual([expect.objectContaining({ field: 'from' })]);
      expect((await call('GET', '/analyses/costs?from=yesterday')).statusCode).toBe(400);
      expect((await call('GET', '/analyses/costs?to=1999-01-01T00:00:00Z')).statusCode).toBe(400);
      expect((await call('GET', '/analyses/costs?tenantId=x')).statusCode).toBe(400);
    });
  });
});
