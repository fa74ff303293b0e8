import type { VitalSignContent } from '../../entries/entry-content';
import { VITAL_SIGNS } from '../../entries/vital-signs.catalog';
import { entry, RecordingContext } from './analyser-test-kit';
import { VitalSignsAnalyser } from './vital-signs.analyser';
import { resolveVitalThresholds, SHIPPED_VITAL_THRESHOLDS, VitalThresholdsConfigError } from './vital-thresholds';

const reading = (type: VitalSignContent['type'], measuredAt: string, values: Partial<VitalSignContent>) =>
  entry('VITAL_SIGNS', {
    type,
    loincCode: VITAL_SIGNS[type].loincCode,
    unit: VITAL_SIGNS[type].unit,
    measuredAt,
    ...values,
  } as VitalSignContent);

const analyser = (trendReadings = 3, override?: string) =>
  new VitalSignsAnalyser(resolveVitalThresholds(override), trendReadings);

describe('VitalSignsAnalyser', () => {
  it('grades blood pressure by the worse component (ACC/AHA 2017)', async () => {
    const cases: [number, number, string | undefined][] = [
      [118, 76, undefined],
      [124, 76, 'INFO'],
      [132, 78, 'LOW'],
      [128, 92, 'MODERATE'],
      [185, 100, 'CRITICAL'],
      [150, 125, 'CRITICAL'],
      [88, 60, 'HIGH'],
    ];
    for (const [systolic, diastolic, severity] of cases) {
      const findings = await analyser().run(
        [reading('BLOOD_PRESSURE', '2026-11-01T08:00:00Z', { systolic, diastolic })],
        new RecordingContext(),
      );
      expect(findings.map((f) => f.severity)).toEqual(severity ? [severity] : []);
    }
  });

  it('judges only the latest reading of a type, with it as evidence', async () => {
    const old = reading('HEART_RATE', '2026-10-01T08:00:00Z', { value: 150 });
    const latest = reading('HEART_RATE', '2026-11-01T08:00:00Z', { value: 72 });
    expect(await analyser().run([latest, old], new RecordingContext())).toEqual([]);
    const findings = await analyser().run(
      [reading('HEART_RATE', '2026-11-02T08:00:00Z', { value: 135 }), old],
      new RecordingContext(),
    );
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ code: 'VITAL_OUT_OF_RANGE', severity: 'HIGH' });
    expect(findings[0].message).toContain('NEWS2 score 3');
  });

  it('uses the NEWS2 bands for SpO2, respiratory rate and temperature, and WHO classes for BMI', async () => {
    const run = async (type: VitalSignContent['type'], value: number) =>
      (await analyser().run([reading(type, '2026-11-01T08:00:00Z', { value })], new RecordingContext())).map(
        (f) => f.severity,
      );
    expect(await run('OXYGEN_SATURATION', 97)).toEqual([]);
    expect(await run('OXYGEN_SATURATION', 95)).toEqual(['LOW']);
    expect(await run('OXYGEN_SATURATION', 93)).toEqual(['MODERATE']);
    expect(await run('OXYGEN_SATURATION', 91)).toEqual(['HIGH']);
    expect(await run('RESPIRATORY_RATE', 16)).toEqual([]);
    expect(await run('RESPIRATORY_RATE', 22)).toEqual(['MODERATE']);
    expect(await run('BODY_TEMPERATURE', 38.0)).toEqual([]);
    expect(await run('BODY_TEMPERATURE', 38.5)).toEqual(['LOW']);
    expect(await run('BODY_TEMPERATURE', 39.1)).toEqual(['MODERATE']);
    expect(await run('BODY_TEMPERATURE', 34.8)).toEqual(['HIGH']);
    expect(await run('BMI', 22)).toEqual([]);
    expect(await run('BMI', 31)).toEqual(['LOW']);
    expect(await run('BMI', 15.5)).toEqual(['MODERATE']);
    expect(await run('BODY_HEIGHT', 150)).toEqual([]);
  });

  it('finds a strictly rising trend over the last readings beyond the delta, with those readings as evidence', async () => {
    const readings = [
      reading('HEART_RATE', '2026-11-01T08:00:00Z', { value: 60 }),
      reading('HEART_RATE', '2026-11-02T08:00:00Z', { value: 66 }),
      reading('HEART_RATE', '2026-11-03T08:00:00Z', { value: 78 }),
      reading('HEART_RATE', '2026-11-04T08:00:00Z', { value: 90 }),
    ];
    const findings = await analyser().run(readings, new RecordingContext());
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ code: 'VITAL_RISING_TREND', severity: 'LOW' });
    expect(findings[0].evidence.map((e) => e.entryId)).toEqual(readings.slice(1).map((r) => r.id));
  });

  it('ignores changes within the delta, non-monotonic series and too few readings', async () => {
    const series = (values: number[]) =>
      values.map((value, i) => reading('BODY_WEIGHT', `2026-11-0${i + 1}T08:00:00Z`, { value }));
    const codes = async (values: number[], n = 3) =>
      (await analyser(n).run(series(values), new RecordingContext())).map((f) => f.code);
    expect(await codes([80, 82, 84])).toEqual([]); // 4 kg, delta 5
    expect(await codes([80, 84, 79, 86])).toEqual([]);
    expect(await codes([80, 90])).toEqual([]);
    expect(await codes([90, 87, 86])).toEqual([]);
    expect(await codes([90, 86, 84])).toEqual(['VITAL_FALLING_TREND']);
    expect(await codes([90, 86, 84.5, 80], 4)).toEqual(['VITAL_FALLING_TREND']);
  });

  it('checks the trend of each blood-pressure component', async () => {
    const bp = (systolic: number, diastolic: number, day: number) =>
      reading('BLOOD_PRESSURE', `2026-11-0${day}T08:00:00Z`, { systolic, diastolic });
    const findings = await analyser().run([bp(100, 60, 1), bp(110, 65, 2), bp(125, 72, 3)], new RecordingContext());
    expect(findings.map((f) => [f.code, f.message.includes('systolic') ? 'systolic' : 'diastolic'])).toEqual([
      ['VITAL_OUT_OF_RANGE', 'systolic'],
      ['VITAL_RISING_TREND', 'systolic'],
      ['VITAL_RISING_TREND', 'diastolic'],
    ]);
  });

  it('reports progress and passes a checkpoint per type, and stops when cancelled', async () => {
    const context = new RecordingContext();
    await analyser().run([], context);
    expect(context.checkpoints).toBe(9);
    expect(context.progressReported.at(-1)).toBe(100);
    const cancelled = new RecordingContext();
    cancelled.cancelAt = 2;
    await expect(analyser().run([], cancelled)).rejects.toThrow('analysis cancelled');
  });
});

describe('resolveVitalThresholds', () => {
  it('ships the defaults when nothing overrides them', () => {
    expect(resolveVitalThresholds(undefined)).toBe(SHIPPED_VITAL_THRESHOLDS);
    expect(resolveVitalThresholds('  ')).toBe(SHIPPED_VITAL_THRESHOLDS);
  });

  it('replaces what the override names and keeps the rest', () => {
    const t = resolveVitalThresholds(
      JSON.stringify({ HEART_RATE: { value: { high: [{ severity: 'HIGH', atLeast: 100, label: 'tachycardia' }] } } }),
    );
    expect(t.HEART_RATE?.value?.high).toEqual([{ severity: 'HIGH', atLeast: 100, label: 'tachycardia' }]);
    expect(t.HEART_RATE?.value?.low).toEqual(SHIPPED_VITAL_THRESHOLDS.HEART_RATE?.value?.low);
    expect(t.HEART_RATE?.value?.trendDelta).toBe(20);
    expect(t.BLOOD_PRESSURE).toEqual(SHIPPED_VITAL_THRESHOLDS.BLOOD_PRESSURE);
    expect(SHIPPED_VITAL_THRESHOLDS.HEART_RATE?.value?.high).toHaveLength(3);
  });

  it('refuses bad JSON and bad shapes, naming the path', () => {
    expect(() => resolveVitalThresholds('{')).toThrow(VitalThresholdsConfigError);
    expect(() => resolveVitalThresholds('{')).toThrow('ANALYSIS_VITAL_THRESHOLDS is invalid: not valid JSON');
    expect(() => resolveVitalThresholds('{"PULSE":{}}')).toThrow('"PULSE" is not allowed');
    expect(() =>
      resolveVitalThresholds('{"HEART_RATE":{"value":{"high":[{"severity":"BAD","atLeast":1,"label":"x"}]}}}'),
    ).toThrow('HEART_RATE.value.high[0].severity');
    expect(() => resolveVitalThresholds('{"HEART_RATE":{"value":{"high":[{"severity":"LOW","label":"x"}]}}}')).toThrow(
      'HEART_RATE.value.high[0]',
    );
    expect(() =>
      resolveVitalThresholds('{"HEART_RATE":{"value":{"low":[{"severity":"LOW","above":3,"label":"x"}]}}}'),
    ).toThrow('above');
    expect(() => resolveVitalThresholds('{"BLOOD_PRESSURE":{"value":{}}}')).toThrow('BLOOD_PRESSURE.value');
    expect(() => resolveVitalThresholds('{"BMI":{"value":{"trendDelta":-1}}}')).toThrow('trendDelta');
  });
});
