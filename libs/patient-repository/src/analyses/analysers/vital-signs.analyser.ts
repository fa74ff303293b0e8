import type { FindingSeverity } from '@prisma/client';
import type { DecryptedEntry, VitalSignType } from '../../entries/entry-content';
import { VITAL_SIGN_TYPES, VITAL_SIGNS } from '../../entries/vital-signs.catalog';
import type { Analyser, AnalyserContext, FindingInput } from '../analyser';
import { entriesOf, evidenceOf, inSteps, severityRank } from './finding-helpers';
import { bandOf, type VitalBand, type VitalComponentName, type VitalThresholds } from './vital-thresholds';

type Reading = DecryptedEntry<'VITAL_SIGNS'>;

const NAMES: Record<VitalSignType, string> = {
  BLOOD_PRESSURE: 'Blood pressure',
  HEART_RATE: 'Heart rate',
  RESPIRATORY_RATE: 'Respiratory rate',
  BODY_TEMPERATURE: 'Body temperature',
  OXYGEN_SATURATION: 'Oxygen saturation',
  BODY_HEIGHT: 'Body height',
  BODY_WEIGHT: 'Body weight',
  BMI: 'BMI',
  HEAD_CIRCUMFERENCE: 'Head circumference',
};

const componentsOf = (type: VitalSignType): VitalComponentName[] =>
  type === 'BLOOD_PRESSURE' ? ['systolic', 'diastolic'] : ['value'];

const valueOf = (reading: Reading, component: VitalComponentName): number | undefined => reading.content[component];

/**
 * VITAL_SIGNS: per vital-sign type, (1) the latest reading against the thresholds in force
 * (VITAL_OUT_OF_RANGE, severity of the band it falls in; for blood pressure the worse of its two
 * components), and (2) the last `trendReadings` readings: strictly rising or strictly falling at
 * every step, and by more than the component's `trendDelta` from first to last
 * (VITAL_RISING_TREND / VITAL_FALLING_TREND, LOW, the readings as evidence). Readings are ordered
 * by `measuredAt`, then entry id, so the result depends only on the entries and the thresholds.
 */
export class VitalSignsAnalyser implements Analyser {
  readonly kind = 'VITAL_SIGNS' as const;
  readonly categories = ['VITAL_SIGNS' as const];

  constructor(
    private readonly thresholds: VitalThresholds,
    private readonly trendReadings: number,
  ) {}

  async run(entries: DecryptedEntry[], context: AnalyserContext): Promise<FindingInput[]> {
    const readings = entriesOf(entries, 'VITAL_SIGNS').sort(
      (a, b) => Date.parse(a.content.measuredAt) - Date.parse(b.content.measuredAt) || a.id.localeCompare(b.id),
    );
    const findings: FindingInput[] = [];
    await inSteps(context, VITAL_SIGN_TYPES, (type) => {
      const ofType = readings.filter((r) => r.content.type === type);
      if (ofType.length === 0) return;
      const outOfRange = this.outOfRange(type, ofType[ofType.length - 1]);
      if (outOfRange) findings.push(outOfRange);
      findings.push(...this.trends(type, ofType.slice(-this.trendReadings)));
    });
    return findings;
  }

  private outOfRange(type: VitalSignType, latest: Reading): FindingInput | undefined {
    let worst: { band: VitalBand; component: VitalComponentName } | undefined;
    for (const component of componentsOf(type)) {
      const value = valueOf(latest, component);
      const band = value === undefined ? undefined : bandOf(value, this.thresholds[type]?.[component]);
      if (band && (!worst || severityRank(band.severity) > severityRank(worst.band.severity)))
        worst = { band, component };
    }
    if (!worst) return undefined;
    return {
      code: 'VITAL_OUT_OF_RANGE',
      severity: worst.band.severity,
      message: `${NAMES[type]} ${this.describe(type, latest)} measured ${latest.content.measuredAt}: ${worst.band.label}.`,
      evidence: [evidenceOf(latest)],
    };
  }

  private trends(type: VitalSignType, last: Reading[]): FindingInput[] {
    if (last.length < this.trendReadings || last.length < 2) return [];
    const findings: FindingInput[] = [];
    for (const component of componentsOf(type)) {
      const delta = this.thresholds[type]?.[component]?.trendDelta;
      const values = last.map((r) => valueOf(r, component));
      if (delta === undefined || values.some((v) => v === undefined)) continue;
      const series = values as number[];
      const steps = series.slice(1).map((v, i) => v - series[i]);
      const change = series[series.length - 1] - series[0];
      const rising = steps.every((s) => s > 0);
      const falling = steps.every((s) => s < 0);
      if ((!rising && !falling) || Math.abs(change) <= delta) continue;
      const what = component === 'value' ? NAMES[type] : `${NAMES[type]} (${component})`;
      const unit = VITAL_SIGNS[type].unit;
      findings.push({
        code: rising ? 'VITAL_RISING_TREND' : 'VITAL_FALLING_TREND',
        severity: 'LOW' satisfies FindingSeverity,
        message:
          `${what} ${rising ? 'rose' : 'fell'} at each of the last ${series.length} readings, ` +
          `${series.join(' → ')} ${unit} (a change of ${round(change)}, more than ${delta}).`,
        evidence: last.map(evidenceOf),
      });
    }
    return findings;
  }

  private describe(type: VitalSignType, reading: Reading): string {
    const unit = VITAL_SIGNS[type].unit;
    return type === 'BLOOD_PRESSURE'
      ? `${reading.content.systolic}/${reading.content.diastolic} ${unit}`
      : `${reading.content.value} ${unit}`;
  }
}

const round = (n: number) => Math.round(n * 100) / 100;
