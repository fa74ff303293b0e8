import type { FindingSeverity } from '@prisma/client';
import type { DecryptedEntry, EntryCategory, EntryContentByCategory } from '../../entries/entry-content';
import type { AnalyserContext, FindingEvidence } from '../analyser';

const SEVERITY_RANK: Record<FindingSeverity, number> = { INFO: 0, LOW: 1, MODERATE: 2, HIGH: 3, CRITICAL: 4 };

export const severityRank = (severity: FindingSeverity) => SEVERITY_RANK[severity];

/** The more severe of two severities. */
export const worse = (a: FindingSeverity, b: FindingSeverity): FindingSeverity =>
  SEVERITY_RANK[a] >= SEVERITY_RANK[b] ? a : b;

export const evidenceOf = (entry: DecryptedEntry): FindingEvidence => ({
  entryId: entry.id,
  category: entry.category,
  version: entry.version,
});

/** The entries of one category, typed by it. */
export function entriesOf<C extends EntryCategory>(
  entries: readonly DecryptedEntry[],
  category: C,
): DecryptedEntry<C>[] {
  return entries.filter((e): e is DecryptedEntry<C> => e.category === category);
}

export type Content<C extends EntryCategory> = EntryContentByCategory[C];

/**
 * Runs `steps` in order with a checkpoint (cancellation) before each and the progress reported
 * after each, so every analyser reports and stops the same way.
 */
export async function inSteps<T>(
  context: AnalyserContext,
  steps: readonly T[],
  run: (step: T) => void | Promise<void>,
) {
  for (const [index, step] of steps.entries()) {
    await context.checkpoint();
    await run(step);
    await context.progress(Math.floor(((index + 1) * 100) / steps.length));
  }
}

/** Normalises a drug or substance name for lookups: lower case, single spaces, no punctuation. */
export function normaliseName(name: string): string {
  return name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}
