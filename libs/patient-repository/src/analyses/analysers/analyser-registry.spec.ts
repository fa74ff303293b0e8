import { AnalysisKind } from '@prisma/client';
import type { AppConfig } from '@itinera/platform';
import { ModelProviderClient } from '../model-provider/model-provider.client';
import { AnalyserRegistry } from './analyser-registry';
import { medication, RecordingContext } from './analyser-test-kit';
import { VitalThresholdsConfigError } from './vital-thresholds';

const configOf = (values: Record<string, unknown>) =>
  ({
    get: (key: string) =>
      ({
        ANALYSIS_TREND_READINGS: 3,
        MODEL_PROVIDER_ESTIMATED_INPUT_TOKENS: 4000,
        MODEL_PROVIDER_MODEL: 'm',
        ...values,
      })[key],
  }) as unknown as AppConfig;

const registryOf = (values: Record<string, unknown> = {}) => {
  const config = configOf(values);
  return new AnalyserRegistry(config, new ModelProviderClient(config));
};

describe('AnalyserRegistry', () => {
  it('holds one analyser per kind', () => {
    const registry = registryOf();
    expect(
      registry
        .all()
        .map((a) => a.kind)
        .sort(),
    ).toEqual([...Object.values(AnalysisKind)].sort());
    for (const kind of Object.values(AnalysisKind)) expect(registry.get(kind).kind).toBe(kind);
    expect(registry.get('RECORD_SUMMARY').categories).toHaveLength(7);
    expect(registry.get('DRUG_ALLERGY').categories).toEqual(['ALLERGIES', 'MEDICATIONS']);
  });

  it('offers MODEL_REVIEW only with a provider configured', () => {
    expect(registryOf().isAvailable('MODEL_REVIEW')).toBe(false);
    expect(registryOf().isAvailable('VITAL_SIGNS')).toBe(true);
    expect(registryOf({ MODEL_PROVIDER_BASE_URL: 'http://127.0.0.1:9/v1' }).isAvailable('MODEL_REVIEW')).toBe(true);
  });

  it('refuses to start with bad vital thresholds', () => {
    expect(() => registryOf({ ANALYSIS_VITAL_THRESHOLDS: '{"HEART_RATE":1}' })).toThrow(VitalThresholdsConfigError);
  });

  it('cuts messages to what the column holds', async () => {
    const long = 'x'.repeat(1500);
    const findings = await registryOf()
      .get('DUPLICATE_THERAPY')
      .run([medication(`Ibuprofen ${long}`), medication(`Advil ${long}`)], new RecordingContext());
    expect(findings[0].message).toHaveLength(1000);
  });
});
