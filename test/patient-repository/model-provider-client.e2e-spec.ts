import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createServer } from 'node:net';
import {
  AnalyserRegistry,
  ModelProviderClient,
  type AnalyserContext,
  type DecryptedEntry,
  type ModelCallUsage,
} from '@itinera/patient-repository';
import { FakeOpenAiServer } from '../support/fake-openai-server';
import { startApi } from '../support/test-apps';

/**
 * The model-provider client and the MODEL_REVIEW analyser as the app builds them (its config, its
 * module), against an OpenAI-compatible server the test starts: what is sent, what is read back,
 * and each way a provider can fail.
 */
describe('model provider: the chat-completions client and the MODEL_REVIEW analyser', () => {
  let fake: FakeOpenAiServer;
  let api: NestFastifyApplication;
  let client: ModelProviderClient;
  let registry: AnalyserRegistry;

  const PRICES = { MODEL_PRICE_INPUT_PER_1K: '0.01', MODEL_PRICE_OUTPUT_PER_1K: '0.03' };

  beforeAll(async () => {
    fake = await FakeOpenAiServer.start({ apiKey: 'sk-e2e-secret', model: 'review-model-x' });
    api = await startApi(
      fake.env({ ...PRICES, MODEL_PROVIDER_MAX_OUTPUT_TOKENS: '640', MODEL_PROVIDER_TIMEOUT_MS: '500' }),
    );
    client = api.get(ModelProviderClient, { strict: false });
    registry = api.get(AnalyserRegistry, { strict: false });
  });
  afterAll(async () => {
    await api?.close();
    await fake?.close();
  });
  beforeEach(() => {
    fake.requests.length = 0;
    fake.findings = [];
    fake.delayMs = 0;
  });

  const entries: DecryptedEntry[] = [
    {
      id: '0b7e6f4e-4c43-4d4e-9a43-5a3f2d1e0c01',
      category: 'MEDICATIONS',
      version: 3,
      content: { name: 'Warfarin 5 mg', rxnormCode: '855332', status: 'ACTIVE' },
      createdAt: new Date('2026-01-01'),
      updatedAt: new Date('2026-01-02'),
    },
    {
      id: '0b7e6f4e-4c43-4d4e-9a43-5a3f2d1e0c02',
      category: 'MEDICATIONS',
      version: 1,
      content: { name: 'Aspirin 81 mg', status: 'ACTIVE' },
      createdAt: new Date('2026-01-01'),
      updatedAt: new Date('2026-01-01'),
    },
  ];

  const contextOf = () => {
    const calls: ModelCallUsage[] = [];
    const progress: number[] = [];
    const context: AnalyserContext = {
      now: new Date('2026-11-27T10:00:00Z'),
      progress: async (p) => void progress.push(p),
      checkpoint: async () => undefined,
      recordModelCall: async (usage) => void calls.push(usage),
    };
    return { context, calls, progress };
  };

  it('posts model, messages, max_tokens and a JSON response format with the Bearer key, and prices the usage', async () => {
    const completion = await client.complete([{ role: 'user', content: 'hello' }]);
    expect(fake.requests).toHaveLength(1);
    const [request] = fake.requests;
    expect(request.path).toBe('/v1/chat/completions');
    expect(request.headers.authorization).toBe('Bearer sk-e2e-secret');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.body).toMatchObject({
      model: 'review-model-x',
      max_tokens: 640,
      response_format: { type: 'json_object' },
      messages: [{ role: 'user', content: 'hello' }],
    });
    // 1,200 in at 0.01 per 1k and 300 out at 0.03 per 1k.
    expect(completion).toEqual({
      content: '{"findings":[]}',
      usage: { model: 'review-model-x', inputTokens: 1200, outputTokens: 300, cost: 0.021 },
      usageEstimated: false,
    });
  });

  it("runs a MODEL_REVIEW: the record in the prompt, the answer's findings with evidence, the call recorded", async () => {
    fake.findings = [
      {
        code: 'bleeding-risk',
        severity: 'HIGH',
        message: 'Warfarin with aspirin raises bleeding risk.',
        evidence: ['e1', 'e2', 'e7'],
      },
    ];
    const { context, calls, progress } = contextOf();
    const findings = await registry.get('MODEL_REVIEW').run(entries, context);
    expect(findings).toEqual([
      {
        code: 'MODEL_BLEEDING_RISK',
        severity: 'HIGH',
        message: 'Warfarin with aspirin raises bleeding risk.',
        evidence: [
          { entryId: entries[0].id, category: 'MEDICATIONS', version: 3 },
          { entryId: entries[1].id, category: 'MEDICATIONS', version: 1 },
        ],
      },
    ]);
    expect(calls).toEqual([{ model: 'review-model-x', inputTokens: 1200, outputTokens: 300, cost: 0.021 }]);
    expect(progress.at(-1)).toBe(100);
    const prompt = fake.requests[0].body.messages!;
    expect(prompt.map((m) => m.role)).toEqual(['system', 'user']);
    expect(prompt[1].content).toContain('Warfarin 5 mg');
    expect(prompt[1].content).toContain('855332');
    expect(prompt[1].content).not.toContain(entries[0].id);
  });

  it('records the call and then fails with MODEL_ANSWER_INVALID (retryable) when the answer is junk', async () => {
    fake.junkNext(1);
    const { context, calls } = contextOf();
    await expect(registry.get('MODEL_REVIEW').run(entries, context)).rejects.toMatchObject({
      code: 'MODEL_ANSWER_INVALID',
      retryable: true,
    });
    expect(calls).toHaveLength(1);
  });

  it('fails with MODEL_PROVIDER_UNAVAILABLE (retryable) on 5xx and 429, and MODEL_PROVIDER_REJECTED (final) on other 4xx', async () => {
    fake.failNext(1, 503).failNext(1, 429).failNext(1, 400);
    const call = () => client.complete([{ role: 'user', content: 'x' }]);
    await expect(call()).rejects.toMatchObject({
      code: 'MODEL_PROVIDER_UNAVAILABLE',
      retryable: true,
      message: expect.stringContaining('503'),
    });
    await expect(call()).rejects.toMatchObject({ code: 'MODEL_PROVIDER_UNAVAILABLE', retryable: true });
    await expect(call()).rejects.toMatchObject({ code: 'MODEL_PROVIDER_REJECTED', retryable: false });
  });

  it('refuses a wrong key as MODEL_PROVIDER_REJECTED, not retried', async () => {
    const other = await startApi(fake.env({ MODEL_PROVIDER_API_KEY: 'sk-wrong' }));
    try {
      await expect(
        other.get(ModelProviderClient, { strict: false }).complete([{ role: 'user', content: 'x' }]),
      ).rejects.toMatchObject({
        code: 'MODEL_PROVIDER_REJECTED',
        retryable: false,
        message: 'the model provider answered HTTP 401',
      });
    } finally {
      await other.close();
    }
  });

  it('gives up after MODEL_PROVIDER_TIMEOUT_MS with MODEL_PROVIDER_TIMEOUT (retryable)', async () => {
    fake.hangNext(1);
    const started = Date.now();
    await expect(client.complete([{ role: 'user', content: 'x' }])).rejects.toMatchObject({
      code: 'MODEL_PROVIDER_TIMEOUT',
      retryable: true,
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('fails with MODEL_PROVIDER_UNREACHABLE when nothing listens', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as { port: number };
        probe.close(() => resolve(free));
      });
    });
    const other = await startApi({ ...fake.env(), MODEL_PROVIDER_BASE_URL: `http://127.0.0.1:${port}/v1` });
    try {
      await expect(
        other.get(ModelProviderClient, { strict: false }).complete([{ role: 'user', content: 'x' }]),
      ).rejects.toMatchObject({
        code: 'MODEL_PROVIDER_UNREACHABLE',
        retryable: true,
      });
    } finally {
      await other.close();
    }
  });

  it('estimates the tokens (4 characters a token) when the provider reports no usage', async () => {
    const usage = fake.usage;
    fake.usage = {} as typeof fake.usage;
    try {
      const completion = await client.complete([{ role: 'user', content: 'x'.repeat(400) }]);
      expect(completion.usageEstimated).toBe(true);
      expect(completion.usage.inputTokens).toBe(100);
      expect(completion.usage.outputTokens).toBe(Math.ceil('{"findings":[]}'.length / 4));
    } finally {
      fake.usage = usage;
    }
  });
});
