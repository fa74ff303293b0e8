import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { asOwner, bearer } from '../support/identity-fixtures';
import { FakeOpenAiServer } from '../support/fake-openai-server';
import { startApi, startWorker, waitFor } from '../support/test-apps';
import { analysisRow, analysisWorld, requestAnalysis, runsOf, type AnalysisWorld } from './analysis-fixtures';

interface CostRow {
  kind: string;
  model: string;
  input_tokens: number;
  output_tokens: number;
  cost: string;
}

/**
 * MODEL_REVIEW through the whole path — API, outbox, Bull, the worker, the model provider (an
 * OpenAI-compatible server this test starts), stored findings — with each call's tokens and cost
 * recorded per analysis and totalled per tenant and kind, and the provider's failures retried or
 * not as they deserve.
 */
describe('MODEL_REVIEW against an OpenAI-compatible provider', () => {
  let fake: FakeOpenAiServer;
  let api: NestFastifyApplication;
  let worker: NestFastifyApplication;
  let world: AnalysisWorld;

  const env = () =>
    fake.env({
      MODEL_PRICE_INPUT_PER_1K: '0.5',
      MODEL_PRICE_OUTPUT_PER_1K: '1.5',
      MODEL_PROVIDER_MAX_OUTPUT_TOKENS: '800',
      MODEL_PROVIDER_ESTIMATED_INPUT_TOKENS: '2000',
      ANALYSIS_BACKOFF_MS: '100',
      OUTBOX_POLL_INTERVAL_MS: '100',
    });

  beforeAll(async () => {
    fake = await FakeOpenAiServer.start({ apiKey: 'sk-review-key', model: 'clinical-reviewer-1' });
    api = await startApi(env());
    worker = await startWorker(env());
    world = await analysisWorld(api);
  });
  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await fake?.close();
  });
  beforeEach(() => {
    fake.requests.length = 0;
    fake.usage = { prompt_tokens: 1200, completion_tokens: 300 };
  });

  const review = async () => {
    const response = await requestAnalysis(api, world.patient, world.repositoryId, {
      kind: 'MODEL_REVIEW',
      priority: 4,
    });
    expect(response.statusCode).toBe(201);
    return response.json<{ id: string }>().id;
  };
  const finished = (id: string) =>
    waitFor(
      `analysis ${id} finished`,
      async () => {
        const row = await analysisRow(id);
        return row && ['COMPLETED', 'FAILED', 'CANCELLED'].includes(row.status) ? row : undefined;
      },
      20_000,
    );
  const costsOf = (id: string) =>
    asOwner(
      async (c) =>
        (
          await c.query<CostRow>(
            'SELECT kind, model, input_tokens, output_tokens, cost::text AS cost FROM analysis_costs WHERE analysis_id = $1 ORDER BY created_at',
            [id],
          )
        ).rows,
    );
  const read = (id: string) =>
    api.inject({
      method: 'GET',
      url: `/patient-repositories/${world.repositoryId}/analyses/${id}`,
      headers: bearer(world.patient.accessToken),
    });

  it("stores the model's findings with evidence on the record's entries, and the call's tokens and cost", async () => {
    // The prompt lists entries newest first; the fixtures' entries are all version 1.
    fake.findings = [
      {
        code: 'penicillin-allergy-conflict',
        severity: 'critical',
        message: 'Amoxicillin prescribed despite a severe penicillin allergy.',
        evidence: ['e1', 'e2', 'e99'],
      },
      { code: 'DIABETES_MONITORING', severity: 'LOW', message: 'No HbA1c on record.' },
    ];
    const id = await review();
    const row = await finished(id);
    expect(row).toMatchObject({ status: 'COMPLETED', attempts: 1, findings_count: 2 });

    const [request] = fake.requests;
    expect(fake.requests).toHaveLength(1);
    expect(request.headers.authorization).toBe('Bearer sk-review-key');
    expect(request.body).toMatchObject({
      model: 'clinical-reviewer-1',
      max_tokens: 800,
      response_format: { type: 'json_object' },
    });
    expect(request.body.messages![1].content).toContain('penicillin');

    const body = (await read(id)).json();
    expect(body.findings.map((f: { code: string; severity: string }) => [f.code, f.severity])).toEqual(
      expect.arrayContaining([
        ['MODEL_PENICILLIN_ALLERGY_CONFLICT', 'CRITICAL'],
        ['MODEL_DIABETES_MONITORING', 'LOW'],
      ]),
    );
    const conflict = body.findings.find((f: { code: string }) => f.code === 'MODEL_PENICILLIN_ALLERGY_CONFLICT');
    expect(conflict.evidence).toHaveLength(2);
    for (const e of conflict.evidence) expect(world.entryIds).toContain(e.entryId);

    // 1,200 in at 0.5 per 1k and 300 out at 1.5 per 1k.
    expect(await costsOf(id)).toEqual([
      { kind: 'MODEL_REVIEW', model: 'clinical-reviewer-1', input_tokens: 1200, output_tokens: 300, cost: '1.050000' },
    ]);
    const { cost, estimated_cost } = await asOwner(
      async (c) =>
        (await c.query('SELECT cost::text, estimated_cost::text FROM patient_analyses WHERE id = $1', [id])).rows[0],
    );
    // Estimated at 2,000 in and 800 out: 1 + 1.2.
    expect({ cost, estimated_cost }).toEqual({ cost: '1.050000', estimated_cost: '2.200000' });
  });

  it('retries a provider failure (HTTP 503) and charges only the call that answered', async () => {
    fake.findings = [];
    fake.failNext(1, 503);
    const id = await review();
    expect(await finished(id)).toMatchObject({ status: 'COMPLETED', attempts: 2, findings_count: 0 });
    expect((await runsOf(id)).map((r) => [r.attempt, r.outcome, r.error_code])).toEqual([
      [1, 'FAILED', 'MODEL_PROVIDER_UNAVAILABLE'],
      [2, 'COMPLETED', null],
    ]);
    expect(fake.requests).toHaveLength(2);
    expect(await costsOf(id)).toHaveLength(1);
  });

  it('retries a junk answer, which was still paid for, and stores the findings once', async () => {
    fake.findings = [{ code: 'X', severity: 'INFO', message: 'One finding.', evidence: ['e1'] }];
    fake.junkNext(1);
    const id = await review();
    expect(await finished(id)).toMatchObject({ status: 'COMPLETED', attempts: 2, findings_count: 1 });
    expect((await runsOf(id)).map((r) => r.error_code)).toEqual(['MODEL_ANSWER_INVALID', null]);
    const costs = await costsOf(id);
    expect(costs).toHaveLength(2);
    const total = await asOwner(
      async (c) => (await c.query('SELECT cost::text FROM patient_analyses WHERE id = $1', [id])).rows[0].cost,
    );
    expect(total).toBe('2.100000');
    const findings = await asOwner(
      async (c) =>
        (await c.query('SELECT count(*)::int AS n FROM analysis_findings WHERE analysis_id = $1', [id])).rows[0].n,
    );
    expect(findings).toBe(1);
  });

  it('fails at once, without a retry, when the provider refuses the request (HTTP 400)', async () => {
    fake.failNext(1, 400);
    const id = await review();
    expect(await finished(id)).toMatchObject({ status: 'FAILED', attempts: 1, error_code: 'MODEL_PROVIDER_REJECTED' });
    expect(fake.requests).toHaveLength(1);
    expect(await costsOf(id)).toEqual([]);
  });

  it('totals the recorded calls per tenant and kind, and holds the budget to what was actually spent', async () => {
    const costs = await api.inject({
      method: 'GET',
      url: '/analyses/costs',
      headers: bearer(world.tenant.users.ADMIN!.accessToken),
    });
    expect(costs.statusCode).toBe(200);
    const recorded = await asOwner(
      async (c) =>
        (
          await c.query(
            `SELECT count(*)::int AS calls, count(DISTINCT analysis_id)::int AS analyses, sum(input_tokens)::int AS input,
                    sum(output_tokens)::int AS output, sum(cost)::float8 AS cost
               FROM analysis_costs WHERE tenant_id = $1`,
            [world.tenant.id],
          )
        ).rows[0],
    );
    expect(recorded).toMatchObject({ calls: 4, analyses: 3 });
    const expected = {
      calls: recorded.calls,
      analyses: recorded.analyses,
      inputTokens: recorded.input,
      outputTokens: recorded.output,
      cost: recorded.cost,
    };
    expect(costs.json()).toMatchObject({ total: expected, byKind: [{ kind: 'MODEL_REVIEW', ...expected }] });

    const budget = await api.inject({
      method: 'PUT',
      url: '/analyses/budget',
      headers: bearer(world.tenant.users.OWNER!.accessToken),
      payload: { monthlyLimit: Math.round((recorded.cost + 2.2) * 100) / 100 },
    });
    expect(budget.json()).toMatchObject({ spentThisMonth: recorded.cost, reserved: 0, remaining: 2.2 });
    const id = await review();
    const refused = await requestAnalysis(api, world.patient, world.repositoryId, {
      kind: 'MODEL_REVIEW',
      priority: 4,
    });
    expect(refused.statusCode).toBe(402);
    expect(refused.json()).toMatchObject({ code: 'BUDGET_EXCEEDED', estimatedCost: 2.2 });
    await finished(id);
  });
});
