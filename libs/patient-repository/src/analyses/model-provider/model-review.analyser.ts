import { ENTRY_CATEGORIES, type DecryptedEntry } from '../../entries/entry-content';
import type { Analyser, AnalyserContext, FindingInput } from '../analyser';
import type { ModelProviderClient } from './model-provider.client';
import { parseModelFindings } from './model-review.answer';
import { buildModelReviewPrompt } from './model-review.prompt';

/**
 * MODEL_REVIEW: the whole record (within the input-token estimate) sent to the configured
 * OpenAI-compatible provider, whose JSON answer becomes the findings. The call's tokens and cost
 * are recorded before the answer is parsed: a junk answer was still paid for. Nothing of the
 * prompt or the answer is logged.
 */
export class ModelReviewAnalyser implements Analyser {
  readonly kind = 'MODEL_REVIEW' as const;
  readonly categories = ENTRY_CATEGORIES;

  constructor(
    private readonly provider: ModelProviderClient,
    private readonly maxInputTokens: number,
  ) {}

  async run(entries: DecryptedEntry[], context: AnalyserContext): Promise<FindingInput[]> {
    await context.checkpoint();
    const prompt = buildModelReviewPrompt(entries, context.now, this.maxInputTokens);
    await context.progress(10);
    const completion = await this.provider.complete(prompt.messages);
    await context.recordModelCall(completion.usage);
    await context.progress(90);
    // A cancellation that arrived during the call stops here, before findings are stored.
    await context.checkpoint();
    const findings = parseModelFindings(completion.content, prompt.evidenceByRef);
    await context.progress(100);
    return findings;
  }
}
