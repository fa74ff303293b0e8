import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import type {
  AllergySeverity,
  AllergyStatus,
  DiagnosisStatus,
  MedicationStatus,
  VitalSignType,
} from '../entry-content';
import {
  ALLERGY_SEVERITIES,
  ALLERGY_STATUSES,
  CPT_PATTERN,
  CVX_PATTERN,
  DIAGNOSIS_STATUSES,
  FAMILY_RELATIONS,
  ICD10_CM_PATTERN,
  MEDICATION_ROUTES,
  MEDICATION_STATUSES,
  RXNORM_PATTERN,
} from '../entry-codes';
import {
  IsCalendarDate,
  IsOnOrAfter,
  IsPastCalendarDate,
  IsPastInstant,
  IsVitalSignReading,
} from '../entry-validators';
import { VITAL_SIGN_TYPES } from '../vital-signs.catalog';

/**
 * The content of each kind of clinical entry as a client sends it (POST and PUT). Codes are checked
 * for format and upper-cased; text is trimmed. Messages name the field and the rule, never the value.
 */

const trim = () => Transform(({ value }) => (typeof value === 'string' ? value.trim() : value));
const code = () => Transform(({ value }) => (typeof value === 'string' ? value.trim().toUpperCase() : value));
const ICD10_MESSAGE =
  'must be an ICD-10-CM code such as E11.9 (a letter, a digit, a digit or letter, then optionally . and 1-4 more)';

export class CreateDiagnosisDto {
  /** ICD-10-CM code, e.g. `E11.9`. */
  @ApiProperty({ example: 'E11.9' })
  @code()
  @Matches(ICD10_CM_PATTERN, { message: ICD10_MESSAGE })
  icd10Code!: string;

  @trim()
  @IsString()
  @Length(1, 500)
  description!: string;

  /** FHIR Condition.clinicalStatus. */
  @ApiProperty({ enum: DIAGNOSIS_STATUSES })
  @IsIn(DIAGNOSIS_STATUSES)
  status!: DiagnosisStatus;

  /** When it began (`YYYY-MM-DD`, not in the future). */
  @ApiPropertyOptional({ format: 'date', example: '2019-04-02' })
  @IsOptional()
  @IsPastCalendarDate()
  onsetDate?: string;

  @IsOptional()
  @trim()
  @IsString()
  @MaxLength(2000)
  notes?: string;
}

export class CreateMedicationDto {
  /** The medication as prescribed, e.g. "metformin 500 mg tablet". */
  @trim()
  @IsString()
  @Length(1, 200)
  name!: string;

  /** RxNorm RXCUI (1 to 8 digits), when known. */
  @ApiPropertyOptional({ example: '860975' })
  @IsOptional()
  @code()
  @Matches(RXNORM_PATTERN, { message: 'must be an RxNorm RXCUI of 1 to 8 digits' })
  rxnormCode?: string;

  /** Active ingredients as lower-case generic names (up to 10); the analysers also derive them from `name`. */
  @ApiPropertyOptional({ type: [String], maxItems: 10, example: ['metformin'] })
  @IsOptional()
  @Transform(({ value }) =>
    Array.isArray(value) ? value.map((v) => (typeof v === 'string' ? v.trim().toLowerCase() : v)) : value,
  )
  @IsArray()
  @ArrayMaxSize(10)
  @IsString({ each: true })
  @Length(1, 100, { each: true })
  ingredients?: string[];

  /** e.g. "500 mg". */
  @IsOptional()
  @trim()
  @IsString()
  @MaxLength(100)
  dose?: string;

  @ApiPropertyOptional({ enum: MEDICATION_ROUTES })
  @IsOptional()
  @IsIn(MEDICATION_ROUTES)
  route?: string;

  /** e.g. "twice daily". */
  @IsOptional()
  @trim()
  @IsString()
  @MaxLength(100)
  frequency?: string;

  /** `YYYY-MM-DD` (a planned start may lie ahead). */
  @ApiPropertyOptional({ format: 'date' })
  @IsOptional()
  @IsCalendarDate()
  startDate?: string;

  /** `YYYY-MM-DD`, not before startDate. */
  @ApiPropertyOptional({ format: 'date' })
  @IsOptional()
  @IsCalendarDate()
  @IsOnOrAfter('startDate')
  endDate?: string;

  /** FHIR MedicationStatement.status. */
  @ApiProperty({ enum: MEDICATION_STATUSES })
  @IsIn(MEDICATION_STATUSES)
  status!: MedicationStatus;
}

export class CreateAllergyDto {
  /** The substance, e.g. "penicillin", "peanut". */
  @trim()
  @IsString()
  @Length(1, 200)
  substance!: string;

  /** The reaction observed, e.g. "hives". */
  @IsOptional()
  @trim()
  @IsString()
  @MaxLength(500)
  reaction?: string;

  @ApiProperty({ enum: ALLERGY_SEVERITIES })
  @IsIn(ALLERGY_SEVERITIES)
  severity!: AllergySeverity;

  /** FHIR AllergyIntolerance.clinicalStatus. */
  @ApiProperty({ enum: ALLERGY_STATUSES })
  @IsIn(ALLERGY_STATUSES)
  status!: AllergyStatus;

  @ApiPropertyOptional({ format: 'date' })
  @IsOptional()
  @IsPastCalendarDate()
  onsetDate?: string;
}

export class CreateVitalSignDto {
  /** The observation; its LOINC code and UCUM unit are set by the server (see the vital-signs catalogue). */
  @ApiProperty({ enum: VITAL_SIGN_TYPES, example: 'HEART_RATE' })
  @IsIn(VITAL_SIGN_TYPES)
  type!: VitalSignType;

  /** The reading in the type's UCUM unit; every type but BLOOD_PRESSURE. */
  @ApiPropertyOptional({ example: 72 })
  @IsVitalSignReading('value')
  value?: number;

  /** BLOOD_PRESSURE only, mm[Hg]. */
  @ApiPropertyOptional({ example: 120 })
  @IsVitalSignReading('systolic')
  systolic?: number;

  /** BLOOD_PRESSURE only, mm[Hg], below systolic. */
  @ApiPropertyOptional({ example: 80 })
  @IsVitalSignReading('diastolic')
  diastolic?: number;

  /** When it was measured (ISO 8601 with an offset), not in the future. */
  @ApiProperty({ format: 'date-time', example: '2026-11-27T08:30:00Z' })
  @IsPastInstant()
  measuredAt!: string;
}

export class CreateProcedureDto {
  /** CPT code: 5 digits, or 4 digits and F (Category II) or T (Category III); omit for free text. */
  @ApiPropertyOptional({ example: '45378' })
  @IsOptional()
  @code()
  @Matches(CPT_PATTERN, { message: 'must be a CPT code: 5 digits, or 4 digits and F or T' })
  cptCode?: string;

  @trim()
  @IsString()
  @Length(1, 500)
  description!: string;

  /** `YYYY-MM-DD`, not in the future. */
  @ApiProperty({ format: 'date' })
  @IsPastCalendarDate()
  performedDate!: string;

  @IsOptional()
  @trim()
  @IsString()
  @MaxLength(2000)
  notes?: string;
}

export class CreateImmunizationDto {
  /** CDC CVX code (1 to 3 digits), e.g. 208. */
  @ApiProperty({ example: '208' })
  @code()
  @Matches(CVX_PATTERN, { message: 'must be a CVX code of 1 to 3 digits' })
  cvxCode!: string;

  @trim()
  @IsString()
  @Length(1, 200)
  vaccine!: string;

  /** When the dose was given (`YYYY-MM-DD`, not in the future). */
  @ApiProperty({ format: 'date' })
  @IsPastCalendarDate()
  date!: string;

  /** The dose's number in its series (1 to 20). */
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 20 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(20)
  doseNumber?: number;

  @IsOptional()
  @trim()
  @IsString()
  @MaxLength(50)
  lotNumber?: string;
}

export class CreateFamilyHistoryDto {
  /** HL7 v3 RoleCode of the relative (e.g. MTH, FTH, SIS, BRO, MGRMTH). */
  @ApiProperty({ enum: FAMILY_RELATIONS })
  @IsIn(FAMILY_RELATIONS)
  relation!: string;

  /** The condition, e.g. "type 2 diabetes". */
  @trim()
  @IsString()
  @Length(1, 200)
  condition!: string;

  /** ICD-10-CM code of the condition, when known. */
  @ApiPropertyOptional({ example: 'E11.9' })
  @IsOptional()
  @code()
  @Matches(ICD10_CM_PATTERN, { message: ICD10_MESSAGE })
  icd10Code?: string;

  /** The relative's age when it began (0 to 130 years). */
  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: 130 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(130)
  ageAtOnset?: number;

  @IsOptional()
  @IsBoolean()
  deceased?: boolean;
}
