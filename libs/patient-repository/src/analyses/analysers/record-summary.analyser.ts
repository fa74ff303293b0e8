import { ENTRY_CATEGORIES, type DecryptedEntry } from '../../entries/entry-content';
import type { Analyser, AnalyserContext, FindingInput } from '../analyser';

/**
 * RECORD_SUMMARY: the number of live entries per category, as one INFO finding (RECORD_SUMMARY)
 * with no evidence (it rests on every entry). Deliberately trivial: the analysis-queue benchmark
 * measures the queue with it, so it does no more than one pass over the entries.
 */
export class RecordSummaryAnalyser implements Analyser {
  readonly kind = 'RECORD_SUMMARY' as const;
  readonly categories = ENTRY_CATEGORIES;

  async run(entries: DecryptedEntry[], context: AnalyserContext): Promise<FindingInput[]> {
    await context.checkpoint();
    const counts = new Map(ENTRY_CATEGORIES.map((c) => [c, 0]));
    for (const entry of entries) counts.set(entry.category, (counts.get(entry.category) ?? 0) + 1);
    await context.progress(100);
    const parts = ENTRY_CATEGORIES.map((c) => `${counts.get(c)} ${c.toLowerCase().replace('_', ' ')}`);
    return [
      {
        code: 'RECORD_SUMMARY',
        severity: 'INFO',
        message: `${entries.length} live entries: ${parts.join(', ')}.`,
        evidence: [],
      },
    ];
  }
}
