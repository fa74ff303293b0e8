import Joi from 'joi';
import type { FindingSeverity } from '@prisma/client';
import type { VitalSignType } from '../../entries/entry-content';
import { VITAL_SIGN_TYPES } from '../../entries/vital-signs.catalog';

/**
 * One band of a vital sign: a reading on the high side matches when it is `above` (strictly) or
 * `atLeast` the limit; on the low side when it is `below` (strictly) or `atMost` it. Exactly one of
 * the four is given. Bands are listed most severe first; the first that matches wins.
 */
export interface VitalBand {
  severity: FindingSeverity;
  above?: number;
  atLeast?: number;
  below?: number;
  atMost?: number;
  /** The band's name in the finding, e.g. "hypertensive crisis (AHA/ACC 2017)". */
  label: string;
}

/** The bands of one measured quantity (a single-valued sign, or one component of blood pressure). */
export interface VitalComponentThresholds {
  high?: VitalBand[];
  low?: VitalBand[];
  /** A trend finding needs the last readings to change monotonically by more than this in total. */
  trendDelta?: number;
}

export type VitalComponentName = 'value' | 'systolic' | 'diastolic';

/** Per type: `value` for single-valued signs, `systolic` and `diastolic` for BLOOD_PRESSURE. */
export type VitalThresholds = Partial<
  Record<VitalSignType, Partial<Record<VitalComponentName, VitalComponentThresholds>>>
>;

/*
 * The shipped thresholds, for adults, in the units of the FHIR vital-signs profile (see
 * vital-signs.catalog.ts). Sources:
 * - Blood pressure: 2017 ACC/AHA Guideline for the Prevention, Detection, Evaluation, and
 *   Management of High Blood Pressure in Adults (Whelton et al., Hypertension 2018;71:e13–e115),
 *   table 6: elevated 120–129/<80, stage 1 130–139 or 80–89, stage 2 ≥140 or ≥90, and the
 *   hypertensive crisis >180 and/or >120. The low side is NEWS2's systolic scoring.
 * - Heart rate, respiratory rate, SpO2 (scale 1), temperature and low systolic pressure: National
 *   Early Warning Score 2 (Royal College of Physicians, London, 2017), chart 1. A parameter
 *   scoring 3 (the "red score", urgent review) is HIGH, 2 MODERATE, 1 LOW.
 * - BMI: WHO classification (WHO Technical Report Series 894, 2000; thinness grades from WHO
 *   1995, TRS 854): <16 severe thinness, <18.5 underweight, 25 pre-obese, 30/35/40 obese I/II/III.
 * - Trend deltas are Itinera's defaults, not from a guideline: a change a clinician would want
 *   pointed out over a few readings. Tune them with ANALYSIS_VITAL_THRESHOLDS.
 */
export const SHIPPED_VITAL_THRESHOLDS: VitalThresholds = {
  BLOOD_PRESSURE: {
    systolic: {
      high: [
        { severity: 'CRITICAL', above: 180, label: 'hypertensive crisis, systolic >180 mmHg (ACC/AHA 2017)' },
        { severity: 'MODERATE', atLeast: 140, label: 'stage 2 hypertension, systolic ≥140 mmHg (ACC/AHA 2017)' },
        { severity: 'LOW', atLeast: 130, label: 'stage 1 hypertension, systolic 130–139 mmHg (ACC/AHA 2017)' },
        { severity: 'INFO', atLeast: 120, label: 'elevated blood pressure, systolic 120–129 mmHg (ACC/AHA 2017)' },
      ],
      low: [
        { severity: 'HIGH', atMost: 90, label: 'systolic ≤90 mmHg (NEWS2 score 3)' },
        { severity: 'MODERATE', atMost: 100, label: 'systolic 91–100 mmHg (NEWS2 score 2)' },
        { severity: 'LOW', atMost: 110, label: 'systolic 101–110 mmHg (NEWS2 score 1)' },
      ],
      trendDelta: 20,
    },
    diastolic: {
      high: [
        { severity: 'CRITICAL', above: 120, label: 'hypertensive crisis, diastolic >120 mmHg (ACC/AHA 2017)' },
        { severity: 'MODERATE', atLeast: 90, label: 'stage 2 hypertension, diastolic ≥90 mmHg (ACC/AHA 2017)' },
        { severity: 'LOW', atLeast: 80, label: 'stage 1 hypertension, diastolic 80–89 mmHg (ACC/AHA 2017)' },
      ],
      trendDelta: 10,
    },
  },
  HEART_RATE: {
    value: {
      high: [
        { severity: 'HIGH', atLeast: 131, label: 'heart rate ≥131 /min (NEWS2 score 3)' },
        { severity: 'MODERATE', atLeast: 111, label: 'heart rate 111–130 /min (NEWS2 score 2)' },
        { severity: 'LOW', atLeast: 91, label: 'heart rate 91–110 /min (NEWS2 score 1)' },
      ],
      low: [
        { severity: 'HIGH', atMost: 40, label: 'heart rate ≤40 /min (NEWS2 score 3)' },
        { severity: 'LOW', atMost: 50, label: 'heart rate 41–50 /min (NEWS2 score 1)' },
      ],
      trendDelta: 20,
    },
  },
  RESPIRATORY_RATE: {
    value: {
      high: [
        { severity: 'HIGH', atLeast: 25, label: 'respiratory rate ≥25 /min (NEWS2 score 3)' },
        { severity: 'MODERATE', atLeast: 21, label: 'respiratory rate 21–24 /min (NEWS2 score 2)' },
      ],
      low: [
        { severity: 'HIGH', atMost: 8, label: 'respiratory rate ≤8 /min (NEWS2 score 3)' },
        { severity: 'LOW', below: 12, label: 'respiratory rate 9–11 /min (NEWS2 score 1)' },
      ],
      trendDelta: 6,
    },
  },
  OXYGEN_SATURATION: {
    value: {
      low: [
        { severity: 'HIGH', below: 92, label: 'SpO2 ≤91 % (NEWS2 scale 1, score 3)' },
        { severity: 'MODERATE', below: 94, label: 'SpO2 92–93 % (NEWS2 scale 1, score 2)' },
        { severity: 'LOW', below: 96, label: 'SpO2 94–95 % (NEWS2 scale 1, score 1)' },
      ],
      trendDelta: 4,
    },
  },
  BODY_TEMPERATURE: {
    value: {
      high: [
        { severity: 'MODERATE', above: 39, label: 'temperature ≥39.1 °C (NEWS2 score 2)' },
        { severity: 'LOW', above: 38, label: 'temperature 38.1–39.0 °C (NEWS2 score 1)' },
      ],
      low: [
        { severity: 'HIGH', atMost: 35, label: 'temperature ≤35.0 °C (NEWS2 score 3)' },
        { severity: 'LOW', atMost: 36, label: 'temperature 35.1–36.0 °C (NEWS2 score 1)' },
      ],
      trendDelta: 1,
    },
  },
  BMI: {
    value: {
      high: [
        { severity: 'MODERATE', atLeast: 40, label: 'BMI ≥40 kg/m2, obese class III (WHO)' },
        { severity: 'LOW', atLeast: 35, label: 'BMI 35–39.9 kg/m2, obese class II (WHO)' },
        { severity: 'LOW', atLeast: 30, label: 'BMI 30–34.9 kg/m2, obese class I (WHO)' },
        { severity: 'INFO', atLeast: 25, label: 'BMI 25–29.9 kg/m2, pre-obese (WHO)' },
      ],
      low: [
        { severity: 'MODERATE', below: 16, label: 'BMI <16 kg/m2, severe thinness (WHO)' },
        { severity: 'LOW', below: 18.5, label: 'BMI <18.5 kg/m2, underweight (WHO)' },
      ],
      trendDelta: 2,
    },
  },
  BODY_WEIGHT: { value: { trendDelta: 5 } },
};

const SEVERITIES: FindingSeverity[] = ['INFO', 'LOW', 'MODERATE', 'HIGH', 'CRITICAL'];

const band = (side: 'high' | 'low') =>
  Joi.object({
    severity: Joi.string()
      .valid(...SEVERITIES)
      .required(),
    label: Joi.string().min(1).max(200).required(),
    ...(side === 'high'
      ? { above: Joi.number(), atLeast: Joi.number() }
      : { below: Joi.number(), atMost: Joi.number() }),
  }).xor(...(side === 'high' ? ['above', 'atLeast'] : ['below', 'atMost']));

const component = Joi.object({
  high: Joi.array().items(band('high')).max(20),
  low: Joi.array().items(band('low')).max(20),
  trendDelta: Joi.number().positive(),
});

const THRESHOLDS_SCHEMA = Joi.object(
  Object.fromEntries(
    VITAL_SIGN_TYPES.map((type) => [
      type,
      type === 'BLOOD_PRESSURE'
        ? Joi.object({ systolic: component, diastolic: component })
        : Joi.object({ value: component }),
    ]),
  ),
);

/** A bad ANALYSIS_VITAL_THRESHOLDS, with the path of what is wrong (the value holds no health data). */
export class VitalThresholdsConfigError extends Error {
  constructor(detail: string) {
    super(`ANALYSIS_VITAL_THRESHOLDS is invalid: ${detail}`);
    this.name = 'VitalThresholdsConfigError';
  }
}

/**
 * The thresholds in force: the shipped ones, with each component given in `override` (the JSON of
 * ANALYSIS_VITAL_THRESHOLDS) replacing the shipped one member by member (`high`, `low`,
 * `trendDelta`); what it does not name stays as shipped.
 */
export function resolveVitalThresholds(override?: string): VitalThresholds {
  if (!override?.trim()) return SHIPPED_VITAL_THRESHOLDS;
  let parsed: unknown;
  try {
    parsed = JSON.parse(override);
  } catch {
    throw new VitalThresholdsConfigError('not valid JSON');
  }
  const { error, value } = THRESHOLDS_SCHEMA.validate(parsed, { abortEarly: true, convert: false });
  if (error) throw new VitalThresholdsConfigError(error.message);
  const result: VitalThresholds = structuredClone(SHIPPED_VITAL_THRESHOLDS);
  for (const [type, components] of Object.entries(value as VitalThresholds)) {
    const target = (result[type as VitalSignType] ??= {});
    for (const [name, given] of Object.entries(components ?? {})) {
      target[name as VitalComponentName] = { ...target[name as VitalComponentName], ...given };
    }
  }
  return result;
}

/** The first band of `bands` that `value` falls in (bands are most severe first). */
export function bandOf(value: number, thresholds: VitalComponentThresholds | undefined): VitalBand | undefined {
  const matches = (b: VitalBand) =>
    (b.above !== undefined && value > b.above) ||
    (b.atLeast !== undefined && value >= b.atLeast) ||
    (b.below !== undefined && value < b.below) ||
    (b.atMost !== undefined && value <= b.atMost);
  return thresholds?.high?.find(matches) ?? thresholds?.low?.find(matches);
}
