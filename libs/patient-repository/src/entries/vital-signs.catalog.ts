import type { VitalSignType } from './entry-content';

/** A plausible physiological range, inclusive (a value outside it is a typo or a wrong unit). */
export interface PlausibleRange {
  min: number;
  max: number;
}

export interface VitalSignDefinition {
  /** The LOINC code the FHIR R4 vital-signs profile requires for this observation. */
  loincCode: string;
  /** LOINC display name. */
  display: string;
  /** The UCUM unit the profile requires (for BLOOD_PRESSURE: of both components). */
  unit: string;
  /** The FHIR R4 profile (http://hl7.org/fhir/StructureDefinition/<profile>). */
  profile: string;
  /** For a single-valued sign. */
  range?: PlausibleRange;
  /** For BLOOD_PRESSURE: the two components, each with its own code and range. */
  components?: { systolic: VitalSignComponent; diastolic: VitalSignComponent };
}

export interface VitalSignComponent {
  loincCode: string;
  display: string;
  range: PlausibleRange;
}

/**
 * The FHIR R4 vital-signs profile (hl7.org/fhir/R4/observation-vitalsigns.html): each type's LOINC
 * code and UCUM unit, exactly as the profile binds them, with the range of values a living person
 * can present (adult and paediatric extremes; e.g. a heart rate of 20–300 /min covers profound
 * bradycardia to SVT in infants, height 20–272 cm a premature infant to the tallest recorded adult).
 * The server sets `loincCode` and `unit` from here; clients send the type and the value.
 */
export const VITAL_SIGNS: Record<VitalSignType, VitalSignDefinition> = {
  BLOOD_PRESSURE: {
    loincCode: '85354-9',
    display: 'Blood pressure panel with all children optional',
    unit: 'mm[Hg]',
    profile: 'bp',
    components: {
      systolic: { loincCode: '8480-6', display: 'Systolic blood pressure', range: { min: 40, max: 300 } },
      diastolic: { loincCode: '8462-4', display: 'Diastolic blood pressure', range: { min: 20, max: 200 } },
    },
  },
  HEART_RATE: {
    loincCode: '8867-4',
    display: 'Heart rate',
    unit: '/min',
    profile: 'heartrate',
    range: { min: 20, max: 300 },
  },
  RESPIRATORY_RATE: {
    loincCode: '9279-1',
    display: 'Respiratory rate',
    unit: '/min',
    profile: 'resprate',
    range: { min: 2, max: 80 },
  },
  BODY_TEMPERATURE: {
    loincCode: '8310-5',
    display: 'Body temperature',
    unit: 'Cel',
    profile: 'bodytemp',
    range: { min: 25, max: 45 },
  },
  OXYGEN_SATURATION: {
    loincCode: '2708-6',
    display: 'Oxygen saturation in Arterial blood',
    unit: '%',
    profile: 'oxygensat',
    range: { min: 50, max: 100 },
  },
  BODY_HEIGHT: {
    loincCode: '8302-2',
    display: 'Body height',
    unit: 'cm',
    profile: 'bodyheight',
    range: { min: 20, max: 272 },
  },
  BODY_WEIGHT: {
    loincCode: '29463-7',
    display: 'Body weight',
    unit: 'kg',
    profile: 'bodyweight',
    range: { min: 0.2, max: 650 },
  },
  BMI: {
    loincCode: '39156-5',
    display: 'Body mass index (BMI) [Ratio]',
    unit: 'kg/m2',
    profile: 'bmi',
    range: { min: 5, max: 150 },
  },
  HEAD_CIRCUMFERENCE: {
    loincCode: '9843-4',
    display: 'Head Occipital-frontal circumference',
    unit: 'cm',
    profile: 'headcircum',
    range: { min: 20, max: 80 },
  },
};

export const VITAL_SIGN_TYPES = Object.keys(VITAL_SIGNS) as VitalSignType[];
