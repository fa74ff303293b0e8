import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsDate, IsIn, IsOptional, IsUUID } from 'class-validator';
import type { RecordCategory } from '@prisma/client';
import { RECORD_CATEGORIES } from '../../access/record-access.types';
import { PURPOSE_OF_USE_CODES, type PurposeOfUse } from '../purpose-of-use';

/**
 * A consent the patient gives a specialist, shaped like FHIR Consent's provision: what (scopes), why
 * (purpose) and when (period). The period is checked against CONSENT_MAX_DAYS when the grant is made.
 */
export class CreateConsentGrantDto {
  /** The specialist (a user of the tenant with the SPECIALIST role) who may read. */
  @IsUUID()
  specialistUserId!: string;

  /** The categories of the record the specialist may read (1 to 8, each once). */
  @ApiProperty({ enum: RECORD_CATEGORIES, isArray: true, minItems: 1, maxItems: RECORD_CATEGORIES.length })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(RECORD_CATEGORIES.length)
  @ArrayUnique()
  @IsIn(RECORD_CATEGORIES, { each: true })
  scopes!: RecordCategory[];

  /** Why the specialist may read: an HL7 v3 PurposeOfUse code. */
  @ApiProperty({ enum: PURPOSE_OF_USE_CODES, example: 'TREAT' })
  @IsIn(PURPOSE_OF_USE_CODES)
  purpose!: PurposeOfUse;

  /** When the grant starts (default: now); not in the past. */
  @ApiPropertyOptional({ type: String, format: 'date-time' })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  periodStart?: Date;

  /** When the grant ends: after its start, in the future, at most CONSENT_MAX_DAYS days from now. */
  @ApiProperty({ type: String, format: 'date-time' })
  @Type(() => Date)
  @IsDate()
  periodEnd!: Date;
}
