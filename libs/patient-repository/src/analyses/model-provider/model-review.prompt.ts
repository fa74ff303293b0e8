import type { DecryptedEntry } from '../../entries/entry-content';
import type { FindingEvidence } from '../analyser';
import type { ChatMessage } from './model-provider.client';

export const MODEL_REVIEW_INSTRUCTIONS = [
  'You are a clinical decision-support reviewer. You receive one patient\'s health record as JSON: "today" and',
  '"entries", each with a "ref", a "category" and its "content". Report issues a clinician should review:',
  'interactions, contraindications, abnormal or worsening values, gaps in care, inconsistencies.',
  'Answer with one JSON object and nothing else:',
  '{"findings":[{"code":"UPPER_SNAKE_CASE","severity":"INFO|LOW|MODERATE|HIGH|CRITICAL",',
  '"message":"one or two sentences","evidence":["ref of each entry the finding rests on"]}]}.',
  'Use only refs that appear in the record. Answer {"findings":[]} when there is nothing to report.',
].join(' ');

/** The messages of a review and the entry behind each ref, to turn the answer's refs back into evidence. */
export interface ModelReviewPrompt {
  messages: ChatMessage[];
  evidenceByRef: Map<string, FindingEvidence>;
  /** Entries left out to keep the prompt within the input-token estimate. */
  omitted: number;
}

/**
 * The record as the model sees it: entries newest first, under short refs ("e1", "e2", …) instead
 * of ids, until the prompt reaches `maxInputTokens` (at 4 characters a token, the rule of thumb
 * for English and JSON) — so MODEL_PROVIDER_ESTIMATED_INPUT_TOKENS, the budget's estimate, also
 * bounds what a call can cost. Codes and values go to the provider: that is the review.
 */
export function buildModelReviewPrompt(
  entries: readonly DecryptedEntry[],
  now: Date,
  maxInputTokens: number,
): ModelReviewPrompt {
  const budget = maxInputTokens * 4 - MODEL_REVIEW_INSTRUCTIONS.length - 100;
  const newestFirst = [...entries].sort(
    (a, b) => b.updatedAt.getTime() - a.updatedAt.getTime() || a.id.localeCompare(b.id),
  );
  const evidenceByRef = new Map<string, FindingEvidence>();
  const lines: string[] = [];
  let used = 0;
  for (const entry of newestFirst) {
    const ref = `e${lines.length + 1}`;
    const line = JSON.stringify({ ref, category: entry.category, content: entry.content });
    if (used + line.length + 1 > budget) break;
    used += line.length + 1;
    lines.push(line);
    evidenceByRef.set(ref, { entryId: entry.id, category: entry.category, version: entry.version });
  }
  const omitted = entries.length - lines.length;
  const record =
    `{"today":"${now.toISOString().slice(0, 10)}",` +
    (omitted > 0 ? `"olderEntriesOmitted":${omitted},` : '') +
    `"entries":[\n${lines.join(',\n')}\n]}`;
  return {
    messages: [
      { role: 'system', content: MODEL_REVIEW_INSTRUCTIONS },
      { role: 'user', content: record },
    ],
    evidenceByRef,
    omitted,
  };
}
