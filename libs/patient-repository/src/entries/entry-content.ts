import type { RecordCategory } from '@prisma/client';

/**
 * The decrypted content of each kind of clinical entry: the contract between the entry routes
 * (which validate it), the FHIR export and the analysers. Dates are `YYYY-MM-DD`, instants ISO 8601.
 * Fields the server derives (a vital sign's LOINC code and UCUM unit) are set on write.
 */
export type EntryCategory = Exclude<RecordCategory, 'PERSONAL_INFO'>;

export const ENTRY_CATEGORIES: EntryCategory[] = [
  'DIAGNOSES',
  'MEDICATIONS',
  'ALLERGIES',
  'VITAL_SIGNS',
  'PROCEDURES',
  'IMMUNIZATIONS',
  'FAMILY_HISTORY',
];

/** FHIR Condition.clinicalStatus. */
export type DiagnosisStatus = 'ACTIVE' | 'RECURRENCE' | 'RELAPSE' | 'INACTIVE' | 'REMISSION' | 'RESOLVED';

export interface DiagnosisContent {
  /** ICD-10-CM, e.g. E11.9. */
  icd10Code: string;
  description: string;
  status: DiagnosisStatus;
  onsetDate?: string;
  notes?: string;
}

/** FHIR MedicationStatement.status (subset). */
export type MedicationStatus = 'ACTIVE' | 'COMPLETED' | 'STOPPED' | 'ON_HOLD';

export interface MedicationContent {
  name: string;
  /** RxNorm RXCUI (digits), when known. */
  rxnormCode?: string;
  /** Active ingredients (lower-case generic names); the analysers also derive them from `name`. */
  ingredients?: string[];
  dose?: string;
  /** e.g. ORAL, INTRAVENOUS, TOPICAL, INHALATION, SUBCUTANEOUS, INTRAMUSCULAR. */
  route?: string;
  frequency?: string;
  startDate?: string;
  endDate?: string;
  status: MedicationStatus;
}

export type AllergySeverity = 'MILD' | 'MODERATE' | 'SEVERE';
/** FHIR AllergyIntolerance.clinicalStatus. */
export type AllergyStatus = 'ACTIVE' | 'INACTIVE' | 'RESOLVED';

export interface AllergyContent {
  /** The substance, e.g. "penicillin", "peanut". */
  substance: string;
  reaction?: string;
  severity: AllergySeverity;
  status: AllergyStatus;
  onsetDate?: string;
}

/** The FHIR vital-signs profile's observations. */
export type VitalSignType =
  | 'BLOOD_PRESSURE'
  | 'HEART_RATE'
  | 'RESPIRATORY_RATE'
  | 'BODY_TEMPERATURE'
  | 'OXYGEN_SATURATION'
  | 'BODY_HEIGHT'
  | 'BODY_WEIGHT'
  | 'BMI'
  | 'HEAD_CIRCUMFERENCE';

export interface VitalSignContent {
  type: VitalSignType;
  /** Every type but BLOOD_PRESSURE. */
  value?: number;
  /** BLOOD_PRESSURE only. */
  systolic?: number;
  diastolic?: number;
  /** Derived from `type`: the LOINC code and UCUM unit of the FHIR vital-signs profile. */
  loincCode: string;
  unit: string;
  measuredAt: string;
}

export interface ProcedureContent {
  /** CPT code (5 characters), or absent with a free-text description. */
  cptCode?: string;
  description: string;
  performedDate: string;
  notes?: string;
}

export interface ImmunizationContent {
  /** CDC CVX code (1 to 3 digits). */
  cvxCode: string;
  vaccine: string;
  date: string;
  doseNumber?: number;
  lotNumber?: string;
}

/** v3 RoleCode family members (FHIR FamilyMemberHistory.relationship), e.g. MTH, FTH, SIS, BRO. */
export interface FamilyHistoryContent {
  relation: string;
  condition: string;
  /** ICD-10-CM, when known. */
  icd10Code?: string;
  ageAtOnset?: number;
  deceased?: boolean;
}

export interface EntryContentByCategory {
  DIAGNOSES: DiagnosisContent;
  MEDICATIONS: MedicationContent;
  ALLERGIES: AllergyContent;
  VITAL_SIGNS: VitalSignContent;
  PROCEDURES: ProcedureContent;
  IMMUNIZATIONS: ImmunizationContent;
  FAMILY_HISTORY: FamilyHistoryContent;
}

/** One live (not deleted) entry, decrypted. */
export interface DecryptedEntry<C extends EntryCategory = EntryCategory> {
  id: string;
  category: C;
  version: number;
  content: EntryContentByCategory[C];
  createdAt: Date;
  updatedAt: Date;
}
