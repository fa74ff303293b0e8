import { ApiProperty } from '@nestjs/swagger';
import {
  CreateAllergyDto,
  CreateDiagnosisDto,
  CreateFamilyHistoryDto,
  CreateImmunizationDto,
  CreateMedicationDto,
  CreateProcedureDto,
  CreateVitalSignDto,
} from './entry-content.dto';

/**
 * The content of an entry as the API answers it: what the client sent (normalised), plus for vital
 * signs the LOINC code and UCUM unit the server derived. One class per category so the OpenAPI
 * document names each schema.
 */
export class DiagnosisContentResponse extends CreateDiagnosisDto {}
export class MedicationContentResponse extends CreateMedicationDto {}
export class AllergyContentResponse extends CreateAllergyDto {}
export class ProcedureContentResponse extends CreateProcedureDto {}
export class ImmunizationContentResponse extends CreateImmunizationDto {}
export class FamilyHistoryContentResponse extends CreateFamilyHistoryDto {}

export class VitalSignContentResponse extends CreateVitalSignDto {
  /** The LOINC code of the FHIR vital-signs profile for `type` (e.g. 8867-4 for HEART_RATE). */
  @ApiProperty({ example: '8867-4' })
  loincCode!: string;
  /** The UCUM unit of the value (e.g. `/min`, `mm[Hg]`, `Cel`). */
  @ApiProperty({ example: '/min' })
  unit!: string;
}

/** What every entry response has besides its content (the typed `content` is added per category). */
export class EntryResponseBase {
  @ApiProperty({ format: 'uuid' })
  id!: string;
  /** The patient repository it belongs to. */
  @ApiProperty({ format: 'uuid' })
  repositoryId!: string;
  @ApiProperty({
    enum: ['DIAGNOSES', 'MEDICATIONS', 'ALLERGIES', 'VITAL_SIGNS', 'PROCEDURES', 'IMMUNIZATIONS', 'FAMILY_HISTORY'],
  })
  category!: string;
  /** 1 at creation, +1 per update; send it back as `If-Match: "<version>"` to update only this version. */
  @ApiProperty({ type: 'integer', minimum: 1 })
  version!: number;
  /** The user who recorded it. */
  @ApiProperty({ format: 'uuid' })
  createdBy!: string;
  /** The user who last changed it. */
  @ApiProperty({ format: 'uuid' })
  updatedBy!: string;
  createdAt!: Date;
  updatedAt!: Date;
}

/** What every version of an entry has besides its content. */
export class EntryVersionResponseBase {
  /** The version number (1 = as created). */
  @ApiProperty({ type: 'integer', minimum: 1 })
  version!: number;
  @ApiProperty({ enum: ['CREATED', 'UPDATED', 'DELETED'] })
  change!: string;
  /** Who made the change (a user id). */
  @ApiProperty({ format: 'uuid' })
  changedBy!: string;
  changedAt!: Date;
}
