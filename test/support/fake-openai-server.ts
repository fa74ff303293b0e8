import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the fake received. */
export interface FakeChatRequest {
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body (model, messages, max_tokens, response_format). */
  body: {
    model?: string;
    max_tokens?: number;
    response_format?: { type?: string };
    messages?: { role: string; content: string }[];
  };
  receivedAt: number;
}

export interface FakeFinding {
  code: string;
  severity: string;
  message: string;
  /** Refs of the prompt's entries ("e1", …). */
  evidence?: string[];
}

type Mode = { kind: 'fail'; status: number } | { kind: 'junk'; content: string } | { kind: 'hang' };

/**
 * An OpenAI-compatible chat-completions server for tests (node:http, a free port): answers
 * `POST /v1/chat/completions` with a completion whose content is `{"findings": …}` and a `usage`
 * block, and can be told to fail the next N calls with a status, answer junk, hang, or be slow.
 * Every request is recorded, so tests check the model, max_tokens, the Authorization header and
 * the prompt.
 */
export class FakeOpenAiServer {
  readonly requests: FakeChatRequest[] = [];
  findings: FakeFinding[] = [];
  usage = { prompt_tokens: 1200, completion_tokens: 300 };
  /** Added before every answer (the job's timeout and a worker killed mid-call need a slow provider). */
  delayMs = 0;
  private readonly queued: Mode[] = [];
  private readonly hanging = new Set<() => void>();

  private constructor(
    private readonly server: Server,
    readonly apiKey: string,
    readonly model: string,
  ) {}

  static async start(options: { apiKey?: string; model?: string } = {}): Promise<FakeOpenAiServer> {
    const server = createServer();
    const fake = new FakeOpenAiServer(server, options.apiKey ?? 'sk-test-fake', options.model ?? 'fake-model-1');
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => void fake.answer(req.url ?? '', req.headers, Buffer.concat(chunks).toString('utf8'), res));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  /** The app's environment pointing at this server. */
  env(extra: Record<string, string> = {}): Record<string, string> {
    return {
      MODEL_PROVIDER_BASE_URL: this.baseUrl,
      MODEL_PROVIDER_API_KEY: this.apiKey,
      MODEL_PROVIDER_MODEL: this.model,
      ...extra,
    };
  }

  /** The next `times` calls answer HTTP `status` (500 by default) with an OpenAI-style error body. */
  failNext(times: number, status = 500): this {
    for (let i = 0; i < times; i++) this.queued.push({ kind: 'fail', status });
    return this;
  }

  /** The next `times` calls answer a valid completion whose content is `content` (not the findings JSON). */
  junkNext(times: number, content = 'Sure! Here are my thoughts: the patient looks fine.'): this {
    for (let i = 0; i < times; i++) this.queued.push({ kind: 'junk', content });
    return this;
  }

  /** The next `times` calls never answer (until close): the client's timeout must end them. */
  hangNext(times: number): this {
    for (let i = 0; i < times; i++) this.queued.push({ kind: 'hang' });
    return this;
  }

  async close(): Promise<void> {
    this.hanging.forEach((release) => release());
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async answer(
    path: string,
    headers: IncomingHttpHeaders,
    raw: string,
    res: import('node:http').ServerResponse,
  ): Promise<void> {
    let body: FakeChatRequest['body'] = {};
    try {
      body = JSON.parse(raw) as FakeChatRequest['body'];
    } catch {
      // Recorded as empty; the answer below still tells the client.
    }
    this.requests.push({ path, headers, body, receivedAt: Date.now() });
    const mode = this.queued.shift();
    if (mode?.kind === 'hang') {
      await new Promise<void>((resolve) => this.hanging.add(resolve));
      res.destroy();
      return;
    }
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    if (res.destroyed) return;
    if (req404(path)) return send(res, 404, { error: { message: 'Not found', type: 'invalid_request_error' } });
    if (headers.authorization !== `Bearer ${this.apiKey}`) {
      return send(res, 401, { error: { message: 'Incorrect API key provided', type: 'invalid_request_error' } });
    }
    if (mode?.kind === 'fail')
      return send(res, mode.status, { error: { message: 'The server had an error', type: 'server_error' } });
    const content = mode?.kind === 'junk' ? mode.content : JSON.stringify({ findings: this.findings });
    send(res, 200, {
      id: `chatcmpl-${this.requests.length}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: body.model ?? this.model,
      choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
      usage: { ...this.usage, total_tokens: this.usage.prompt_tokens + this.usage.completion_tokens },
    });
  }
}

const req404 = (path: string) => !path.endsWith('/chat/completions');

function send(res: import('node:http').ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
