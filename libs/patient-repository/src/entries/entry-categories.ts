import type { Type } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import {
  CreateAllergyDto,
  CreateDiagnosisDto,
  CreateFamilyHistoryDto,
  CreateImmunizationDto,
  CreateMedicationDto,
  CreateProcedureDto,
  CreateVitalSignDto,
} from './dto/entry-content.dto';
import {
  AllergyContentResponse,
  DiagnosisContentResponse,
  EntryResponseBase,
  EntryVersionResponseBase,
  FamilyHistoryContentResponse,
  ImmunizationContentResponse,
  MedicationContentResponse,
  ProcedureContentResponse,
  VitalSignContentResponse,
} from './dto/entry.response';
import type { EntryCategory, EntryContentByCategory, VitalSignContent } from './entry-content';
import { VITAL_SIGNS } from './vital-signs.catalog';

/**
 * One row per category: its route segment, its request and response classes, and how a validated
 * body becomes the stored content. The controller factory and the service are generic over it,
 * so adding a category is adding a row (and its DTO).
 */
export interface EntryCategoryDefinition {
  category: EntryCategory;
  /** The route segment under /patient-repositories/:id/. */
  segment: string;
  /** Singular and plural names, for class names and OpenAPI summaries. */
  singular: string;
  plural: string;
  /** How the docs call one entry, e.g. "diagnosis", "vital-sign reading". */
  noun: string;
  createDto: Type<object>;
  updateDto: Type<object>;
  entryResponse: Type<object>;
  versionResponse: Type<object>;
  /** The stored content of a validated body (server-derived fields added, absent ones dropped). */
  toContent(body: object): EntryContentByCategory[EntryCategory];
}

/**
 * A valid body per category, shown in the API documentation (and used by the schema-driven tests:
 * a vital sign is valid only as a whole, its value or pressures depending on its type).
 */
export const ENTRY_EXAMPLES: Record<EntryCategory, object> = {
  DIAGNOSES: {
    icd10Code: 'E11.9',
    description: 'Type 2 diabetes mellitus without complications',
    status: 'ACTIVE',
    onsetDate: '2016-03-01',
  },
  MEDICATIONS: {
    name: 'Metformin 500 mg tablet',
    rxnormCode: '861007',
    dose: '500 mg',
    route: 'ORAL',
    frequency: 'twice daily',
    status: 'ACTIVE',
  },
  ALLERGIES: { substance: 'penicillin', reaction: 'hives', severity: 'SEVERE', status: 'ACTIVE' },
  VITAL_SIGNS: { type: 'BLOOD_PRESSURE', systolic: 128, diastolic: 82, measuredAt: '2026-11-27T08:30:00Z' },
  PROCEDURES: { cptCode: '45378', description: 'Diagnostic colonoscopy', performedDate: '2021-11-04' },
  IMMUNIZATIONS: { cvxCode: '115', vaccine: 'Tdap', date: '2019-06-18', doseNumber: 1 },
  FAMILY_HISTORY: { relation: 'MTH', condition: 'Type 2 diabetes mellitus', icd10Code: 'E11.9', ageAtOnset: 52 },
};

/** The body of a PUT: the full new content, and optionally the version it replaces. */
export interface VersionedBody {
  expectedVersion?: number | null;
}

const named = <T extends Type<object>>(cls: T, name: string): T => {
  Object.defineProperty(cls, 'name', { value: name });
  return cls;
};

/**
 * Copies the validated fields, dropping `expectedVersion` and absent ones: an optional field sent
 * as null (which @IsOptional lets through) is absent, as the content types say.
 */
function plainContent(body: object): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(body).filter(([key, value]) => key !== 'expectedVersion' && value !== undefined && value !== null),
  );
}

function vitalSignContent(body: object): VitalSignContent {
  const reading = plainContent(body) as unknown as VitalSignContent;
  const definition = VITAL_SIGNS[reading.type];
  // Instants are stored in UTC so that readings sort and compare as strings.
  return {
    ...reading,
    measuredAt: new Date(reading.measuredAt).toISOString(),
    loincCode: definition.loincCode,
    unit: definition.unit,
  };
}

function define(
  category: EntryCategory,
  segment: string,
  singular: string,
  plural: string,
  noun: string,
  createDto: Type<object>,
  content: Type<object>,
  toContent: (body: object) => unknown = plainContent,
): EntryCategoryDefinition {
  class UpdateDto extends (createDto as Type<object>) {
    /** The version this replaces (or send `If-Match: "<version>"`); a stale one answers 409. */
    @ApiPropertyOptional({ type: 'integer', minimum: 1 })
    @IsOptional()
    @IsInt()
    @Min(1)
    @Max(2_147_483_647)
    expectedVersion?: number;
  }
  class EntryResponse extends EntryResponseBase {
    @ApiProperty({ type: content })
    content!: object;
  }
  class VersionResponse extends EntryVersionResponseBase {
    /** The content as of this version (for DELETED: the content when it was deleted). */
    @ApiProperty({ type: content })
    content!: object;
  }
  return {
    category,
    segment,
    singular,
    plural,
    noun,
    createDto,
    updateDto: named(UpdateDto, `Update${singular}Dto`),
    entryResponse: named(EntryResponse, `${singular}EntryResponse`),
    versionResponse: named(VersionResponse, `${singular}EntryVersionResponse`),
    toContent: toContent as EntryCategoryDefinition['toContent'],
  };
}

export const ENTRY_CATEGORY_DEFINITIONS: EntryCategoryDefinition[] = [
  define('DIAGNOSES', 'diagnoses', 'Diagnosis', 'Diagnoses', 'diagnosis', CreateDiagnosisDto, DiagnosisContentResponse),
  define(
    'MEDICATIONS',
    'medications',
    'Medication',
    'Medications',
    'medication',
    CreateMedicationDto,
    MedicationContentResponse,
  ),
  define('ALLERGIES', 'allergies', 'Allergy', 'Allergies', 'allergy', CreateAllergyDto, AllergyContentResponse),
  define(
    'VITAL_SIGNS',
    'vital-signs',
    'VitalSign',
    'VitalSigns',
    'vital-sign reading',
    CreateVitalSignDto,
    VitalSignContentResponse,
    vitalSignContent,
  ),
  define(
    'PROCEDURES',
    'procedures',
    'Procedure',
    'Procedures',
    'procedure',
    CreateProcedureDto,
    ProcedureContentResponse,
  ),
  define(
    'IMMUNIZATIONS',
    'immunizations',
    'Immunization',
    'Immunizations',
    'immunization',
    CreateImmunizationDto,
    ImmunizationContentResponse,
  ),
  define(
    'FAMILY_HISTORY',
    'family-history',
    'FamilyHistory',
    'FamilyHistory',
    'family-history entry',
    CreateFamilyHistoryDto,
    FamilyHistoryContentResponse,
  ),
];
