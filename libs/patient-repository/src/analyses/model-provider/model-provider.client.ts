import { Injectable } from '@nestjs/common';
import { AppConfig } from '@itinera/platform';
import type { ModelCallUsage } from '../analyser';
import { costOf, modelPricesOf } from '../costs/model-pricing';
import { modelProviderConfigured } from './model-provider.config';
import { ModelProviderError, ModelProviderErrorCode as Code } from './model-provider.errors';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ModelCompletion {
  /** The assistant message's content (JSON, as response_format asks). */
  content: string;
  /** Tokens and cost of the call; tokens are estimated (4 characters a token) when the provider omits `usage`. */
  usage: ModelCallUsage;
  usageEstimated: boolean;
}

interface ChatCompletionBody {
  model?: unknown;
  choices?: { message?: { content?: unknown } }[];
  usage?: { prompt_tokens?: unknown; completion_tokens?: unknown };
}

const estimateTokens = (text: string) => Math.ceil(text.length / 4);
const tokenCount = (value: unknown) =>
  Number.isInteger(value) && (value as number) >= 0 ? (value as number) : undefined;

/**
 * An OpenAI chat-completions client (`POST {MODEL_PROVIDER_BASE_URL}/chat/completions`) for any
 * compatible provider: Bearer MODEL_PROVIDER_API_KEY, MODEL_PROVIDER_MODEL, max_tokens
 * MODEL_PROVIDER_MAX_OUTPUT_TOKENS and a JSON-object response format, aborted after
 * MODEL_PROVIDER_TIMEOUT_MS. One attempt per call: retries are the analysis job's (Bull's backoff).
 * Failures carry a code and the HTTP status at most: never the prompt or the answer, which hold
 * health data.
 */
@Injectable()
export class ModelProviderClient {
  constructor(private readonly config: AppConfig) {}

  get configured(): boolean {
    return modelProviderConfigured(this.config);
  }

  async complete(messages: ChatMessage[]): Promise<ModelCompletion> {
    const base = this.config.get('MODEL_PROVIDER_BASE_URL', { infer: true });
    if (!base) throw new ModelProviderError(Code.NotConfigured, 'no model provider is configured', false);
    const model = this.config.get('MODEL_PROVIDER_MODEL', { infer: true });
    const key = this.config.get('MODEL_PROVIDER_API_KEY', { infer: true });
    const timeoutMs = this.config.get('MODEL_PROVIDER_TIMEOUT_MS', { infer: true });
    const signal = AbortSignal.timeout(timeoutMs);
    let status: number;
    let text: string;
    try {
      const response = await fetch(`${base.replace(/\/+$/, '')}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
        body: JSON.stringify({
          model,
          messages,
          max_tokens: this.config.get('MODEL_PROVIDER_MAX_OUTPUT_TOKENS', { infer: true }),
          response_format: { type: 'json_object' },
        }),
        signal,
      });
      status = response.status;
      text = await response.text();
    } catch (error) {
      if (signal.aborted) throw new ModelProviderError(Code.Timeout, `no answer within ${timeoutMs} ms`, true);
      throw new ModelProviderError(Code.Unreachable, 'the model provider could not be reached', true, { cause: error });
    }
    if (status === 408 || status === 429 || status >= 500) {
      throw new ModelProviderError(Code.Unavailable, `the model provider answered HTTP ${status}`, true);
    }
    if (status >= 300) throw new ModelProviderError(Code.Rejected, `the model provider answered HTTP ${status}`, false);
    return this.completionOf(text, model, messages);
  }

  private completionOf(text: string, configuredModel: string, messages: ChatMessage[]): ModelCompletion {
    let body: ChatCompletionBody;
    try {
      body = JSON.parse(text) as ChatCompletionBody;
    } catch {
      throw new ModelProviderError(Code.BadResponse, 'the model provider answered something other than JSON', true);
    }
    const content = body?.choices?.[0]?.message?.content;
    if (typeof content !== 'string') {
      throw new ModelProviderError(Code.BadResponse, 'the model provider answered no message content', true);
    }
    const reportedIn = tokenCount(body.usage?.prompt_tokens);
    const reportedOut = tokenCount(body.usage?.completion_tokens);
    const inputTokens = reportedIn ?? estimateTokens(messages.map((m) => m.content).join('\n'));
    const outputTokens = reportedOut ?? estimateTokens(content);
    const model = typeof body.model === 'string' && body.model.length <= 100 ? body.model : configuredModel;
    return {
      content,
      usage: { model, inputTokens, outputTokens, cost: costOf(modelPricesOf(this.config), inputTokens, outputTokens) },
      usageEstimated: reportedIn === undefined || reportedOut === undefined,
    };
  }
}
