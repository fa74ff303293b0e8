import { Injectable } from '@nestjs/common';
import type { AnalysisKind } from '@prisma/client';
import { AppConfig } from '@itinera/platform';
import type { Analyser } from '../analyser';
import { ModelProviderClient } from '../model-provider/model-provider.client';
import { ModelReviewAnalyser } from '../model-provider/model-review.analyser';
import { DrugAllergyAnalyser } from './drug-allergy.analyser';
import { DuplicateTherapyAnalyser } from './duplicate-therapy.analyser';
import { ImmunizationsAnalyser } from './immunizations.analyser';
import { RecordSummaryAnalyser } from './record-summary.analyser';
import { VitalSignsAnalyser } from './vital-signs.analyser';
import { resolveVitalThresholds } from './vital-thresholds';

/** The analysis_findings.message column's length. */
const MAX_MESSAGE = 1000;

/**
 * One analyser per AnalysisKind. Built when the module starts, so a bad ANALYSIS_VITAL_THRESHOLDS
 * stops the API and the worker at start with the path of what is wrong (VitalThresholdsConfigError).
 */
@Injectable()
export class AnalyserRegistry {
  private readonly analysers: Map<AnalysisKind, Analyser>;

  constructor(
    config: AppConfig,
    private readonly provider: ModelProviderClient,
  ) {
    const list: Analyser[] = [
      new RecordSummaryAnalyser(),
      new VitalSignsAnalyser(
        resolveVitalThresholds(config.get('ANALYSIS_VITAL_THRESHOLDS', { infer: true })),
        config.get('ANALYSIS_TREND_READINGS', { infer: true }),
      ),
      new DrugAllergyAnalyser(),
      new DuplicateTherapyAnalyser(),
      new ImmunizationsAnalyser(),
      new ModelReviewAnalyser(provider, config.get('MODEL_PROVIDER_ESTIMATED_INPUT_TOKENS', { infer: true })),
    ];
    this.analysers = new Map(list.map((a) => [a.kind, withBoundedMessages(a)]));
  }

  get(kind: AnalysisKind): Analyser {
    const analyser = this.analysers.get(kind);
    if (!analyser) throw new Error(`no analyser for kind ${kind}`);
    return analyser;
  }

  all(): Analyser[] {
    return [...this.analysers.values()];
  }

  /** Whether `kind` can run here: MODEL_REVIEW needs a configured model provider. */
  isAvailable(kind: AnalysisKind): boolean {
    return kind !== 'MODEL_REVIEW' || this.provider.configured;
  }
}

/** Messages may quote names and values; they are cut to what the column holds. */
function withBoundedMessages(analyser: Analyser): Analyser {
  return {
    kind: analyser.kind,
    categories: analyser.categories,
    run: async (entries, context) =>
      (await analyser.run(entries, context)).map((f) =>
        f.message.length > MAX_MESSAGE ? { ...f, message: `${f.message.slice(0, MAX_MESSAGE - 1)}…` } : f,
      ),
  };
}
