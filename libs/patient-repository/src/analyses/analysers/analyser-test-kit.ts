import type { DecryptedEntry, EntryCategory, EntryContentByCategory } from '../../entries/entry-content';
import type { AnalyserContext, ModelCallUsage } from '../analyser';

/**
 * Entries and an analyser context for the analysers' unit tests: the context records the
 * progress reported, the checkpoints passed and the model calls, and can be told to cancel.
 */
export class RecordingContext implements AnalyserContext {
  readonly progressReported: number[] = [];
  readonly modelCalls: ModelCallUsage[] = [];
  checkpoints = 0;
  cancelAt?: number;

  constructor(readonly now: Date = new Date('2026-11-27T12:00:00Z')) {}

  async progress(percent: number): Promise<void> {
    this.progressReported.push(percent);
  }

  async checkpoint(): Promise<void> {
    this.checkpoints++;
    if (this.cancelAt !== undefined && this.checkpoints >= this.cancelAt) {
      const { AnalysisCancelled } = await import('../analyser');
      throw new AnalysisCancelled();
    }
  }

  async recordModelCall(usage: ModelCallUsage): Promise<void> {
    this.modelCalls.push(usage);
  }
}

let sequence = 0;

/** A decrypted entry with a stable, increasing id and creation time. */
export function entry<C extends EntryCategory>(
  category: C,
  content: EntryContentByCategory[C],
  overrides: Partial<DecryptedEntry<C>> = {},
): DecryptedEntry<C> {
  sequence++;
  const at = new Date(Date.UTC(2026, 0, 1, 0, 0, sequence));
  return {
    id: `00000000-0000-4000-8000-${String(sequence).padStart(12, '0')}`,
    category,
    version: 1,
    content,
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}

export const medication = (name: string, extra: Partial<EntryContentByCategory['MEDICATIONS']> = {}) =>
  entry('MEDICATIONS', { name, status: 'ACTIVE', ...extra });

export const allergy = (substance: string, extra: Partial<EntryContentByCategory['ALLERGIES']> = {}) =>
  entry('ALLERGIES', { substance, severity: 'MODERATE', status: 'ACTIVE', ...extra });
