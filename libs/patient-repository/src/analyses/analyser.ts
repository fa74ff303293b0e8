import type { AnalysisKind, FindingSeverity } from '@prisma/client';
import type { DecryptedEntry, EntryCategory } from '../entries/entry-content';

/**
 * The contract between the analysis job (which loads the record, reports progress, stores findings
 * and costs) and each analyser (which only looks at entries and says what it found). Analysers are
 * deterministic for the same entries, `now` and configuration.
 */
export interface FindingEvidence {
  entryId: string;
  category: EntryCategory;
  version: number;
}

export interface FindingInput {
  /** Stable machine code, e.g. VITAL_OUT_OF_RANGE, DRUG_ALLERGY_CONFLICT. */
  code: string;
  severity: FindingSeverity;
  /** For a clinician; may name the substance or value (stored, never logged). */
  message: string;
  evidence: FindingEvidence[];
}

/** One call to the model provider, priced from config. */
export interface ModelCallUsage {
  model: string;
  inputTokens: number;
  outputTokens: number;
  cost: number;
}

export interface AnalyserContext {
  now: Date;
  /** Reports 0–100 to the analysis row and the Bull job. */
  progress(percent: number): Promise<void>;
  /** Throws AnalysisCancelled when cancellation was requested; call between steps. */
  checkpoint(): Promise<void>;
  /** Records a model call's tokens and cost (stored per analysis, totalled per tenant and kind). */
  recordModelCall(usage: ModelCallUsage): Promise<void>;
}

export interface Analyser {
  kind: AnalysisKind;
  /** The categories it reads: the consent check for an analysis covers exactly these. */
  categories: EntryCategory[];
  run(entries: DecryptedEntry[], context: AnalyserContext): Promise<FindingInput[]>;
}

/** Thrown by `checkpoint()` when the analysis was cancelled while running. */
export class AnalysisCancelled extends Error {
  constructor() {
    super('analysis cancelled');
    this.name = 'AnalysisCancelled';
  }
}
