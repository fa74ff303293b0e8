import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsDate,
  IsEmail,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  Length,
  Matches,
  MaxDate,
  MaxLength,
  ValidateNested,
} from 'class-validator';

export const RECIPIENT_TYPES = ['PRESCRIBER', 'PATIENT', 'PHARMACY', 'INSURANCE', 'CUSTOM'] as const;
export type RecipientTypeName = (typeof RECIPIENT_TYPES)[number];

/** E.164: a plus, a country code and at most 15 digits in all. */
export const E164_PATTERN = /^\+[1-9]\d{1,14}$/;

/** Absolute bound of the array (the configured WORKFLOW_MAX_RECIPIENTS, at most 100, is checked by the service). */
const RECIPIENTS_HARD_MAX = 100;

export class CreateRecipientDto {
  @ApiProperty({ enum: RECIPIENT_TYPES })
  @IsIn(RECIPIENT_TYPES)
  type!: RecipientTypeName;

  /** The person or organisation, as the notification addresses them. */
  @IsString()
  @Length(1, 200)
  name!: string;

  /** Where the link is sent by email (stored lower-case). Give an email, a phone or both. */
  @IsOptional()
  @IsEmail()
  @MaxLength(320)
  email?: string;

  /** Where the link is sent by SMS, in E.164 (`+15551234567`). */
  @ApiPropertyOptional({ example: '+15551234567' })
  @IsOptional()
  @IsString()
  @Matches(E164_PATTERN, { message: 'must be an E.164 phone number such as +15551234567' })
  phone?: string;

  /** Whether the recipient must confirm a one-time code before seeing health data (default: true for PATIENT, false otherwise). */
  @IsOptional()
  @IsBoolean()
  requiresVerification?: boolean;

  /** The JSON Schema of a CUSTOM recipient's form (required for CUSTOM, refused for the other types; at most 16 KiB). */
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional()
  @IsObject()
  formSchema?: Record<string, unknown>;
}

export class CreateWorkflowDto {
  /** The document the recipients work on: an https URL of at most 500 characters. */
  @ApiProperty({ example: 'https://docs.example.com/prescriptions/123.pdf', maxLength: 500 })
  @IsString()
  @MaxLength(500)
  @IsUrl({ protocols: ['https'], require_protocol: true, require_tld: false }, { message: 'must be an https URL' })
  documentUrl!: string;

  /** The recipients in the order they act (the first one is notified at once). */
  @ApiProperty({ type: [CreateRecipientDto], minItems: 1 })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(RECIPIENTS_HARD_MAX)
  @ValidateNested({ each: true })
  @Type(() => CreateRecipientDto)
  recipients!: CreateRecipientDto[];

  /** When the links stop working; default now + WORKFLOW_TTL_HOURS. Must be in the future. */
  @ApiPropertyOptional({ type: String, format: 'date-time' })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  @MaxDate(new Date('9999-12-31T23:59:59.999Z'), { message: 'must be before the year 10000' })
  expiresAt?: Date;

  /** Free-form JSON object for the caller's own references (searchable with the `metadata` filter), at most WORKFLOW_METADATA_MAX_BYTES serialized. */
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional()
  @IsObject()
  metadata?: Record<string, unknown>;
}

export class CancelWorkflowDto {
  /** Why the workflow is stopped (kept on the session and in the audit log). */
  @IsOptional()
  @IsString()
  @Length(1, 500)
  reason?: string;
}

export class LegalHoldDto {
  /** true keeps the session's contents past the retention period; false releases it. */
  @IsBoolean()
  legalHold!: boolean;

  /** Why (kept in the audit log). */
  @IsString()
  @Length(1, 500)
  reason!: string;
}
