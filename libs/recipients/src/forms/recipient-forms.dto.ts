import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional, IsString, Length, Matches, MaxLength, ValidateBy } from 'class-validator';
import { isValidNpi } from './npi';

/**
 * The forms of the built-in recipient types, as class-validator DTOs (so they are published in the
 * OpenAPI document). A recipient's `formData` must match the form of its type; unknown fields are
 * refused by name. Constraints named in COMPLETION_CONSTRAINTS only apply when completing: a draft
 * may leave fields out and leave consent unset.
 */

/** Constraints a draft does not have to meet yet (required fields are not enforced either). */
export const COMPLETION_CONSTRAINTS = new Set(['mustBeTrue', 'matchesFullName']);

/** A valid NPI: 10 digits with the Luhn check digit over "80840" + the first nine. */
const IsNpi = () =>
  ValidateBy({
    name: 'isNpi',
    validator: {
      validate: isValidNpi,
      defaultMessage: () => 'must be a valid NPI (10 digits with a valid check digit)',
    },
  });

/** `true` (consent given); checked when completing. */
const MustBeTrue = () =>
  ValidateBy({ name: 'mustBeTrue', validator: { validate: (v) => v === true, defaultMessage: () => 'must be true' } });

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const EARLIEST_BIRTH_DATE = '1900-01-01';

/** An ISO calendar date (YYYY-MM-DD) that exists, in the past, not before 1900. */
const IsPastBirthDate = () =>
  ValidateBy({
    name: 'isPastBirthDate',
    validator: {
      validate: (value) => {
        if (typeof value !== 'string' || !ISO_DATE.test(value)) return false;
        const date = new Date(`${value}T00:00:00Z`);
        if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value) return false;
        return value >= EARLIEST_BIRTH_DATE && date.getTime() < Date.now();
      },
      defaultMessage: () => 'must be an ISO date (YYYY-MM-DD) in the past, not before 1900-01-01',
    },
  });

/** The typed signature must be the signer's full name (case and surrounding spaces aside). */
const MatchesFullName = () =>
  ValidateBy({
    name: 'matchesFullName',
    validator: {
      validate: (value, args) => {
        const fullName = (args?.object as { fullName?: unknown }).fullName;
        return (
          typeof value === 'string' &&
          typeof fullName === 'string' &&
          value.trim().toLowerCase() === fullName.trim().toLowerCase()
        );
      },
      defaultMessage: () => 'must be the full name, typed',
    },
  });

/** A prescriber: who they are, their NPI, and their typed signature with consent. */
export class PrescriberFormDto {
  /** The prescriber's full name. */
  @IsString()
  @Length(1, 200)
  fullName!: string;

  /** National Provider Identifier: 10 digits with a valid check digit. */
  @ApiProperty({ pattern: '^\\d{10}$', example: '1234567893' })
  @IsNpi()
  npi!: string;

  /** The full name typed again as a signature (compared case-insensitively). */
  @IsString()
  @Length(1, 200)
  @MatchesFullName()
  signature!: string;

  /** Must be true to complete. */
  @ApiProperty({ enum: [true] })
  @IsBoolean()
  @MustBeTrue()
  consent!: boolean;
}

/** A patient: who they are and their consent. */
export class PatientFormDto {
  /** The patient's full name. */
  @IsString()
  @Length(1, 200)
  fullName!: string;

  /** Date of birth, ISO (YYYY-MM-DD), in the past and not before 1900. */
  @ApiProperty({ format: 'date', example: '1980-04-12' })
  @IsPastBirthDate()
  dateOfBirth!: string;

  /** Must be true to complete. */
  @ApiProperty({ enum: [true] })
  @IsBoolean()
  @MustBeTrue()
  consentAccepted!: boolean;
}

/** A pharmacy: its name and its NCPDP id or NPI (at least one, checked when completing). */
export class PharmacyFormDto {
  /** The pharmacy's name. */
  @IsString()
  @Length(1, 200)
  name!: string;

  /** NCPDP provider id: 7 digits. */
  @ApiPropertyOptional({ pattern: '^\\d{7}$', example: '1234567' })
  @IsOptional()
  @IsString()
  @Matches(/^\d{7}$/, { message: 'must be 7 digits' })
  ncpdpId?: string;

  /** The pharmacy's NPI (10 digits with a valid check digit). */
  @ApiPropertyOptional({ pattern: '^\\d{10}$', example: '1234567893' })
  @IsOptional()
  @IsNpi()
  npi?: string;
}

export const INSURANCE_DECISIONS = ['APPROVED', 'DENIED', 'PENDING_INFORMATION'] as const;

/** An insurer: payer and member, optionally a group number and its decision. */
export class InsuranceFormDto {
  /** The payer (insurance company or plan). */
  @IsString()
  @Length(1, 200)
  payer!: string;

  /** The member id on the plan. */
  @IsString()
  @Length(1, 64)
  memberId!: string;

  /** The group number, when the plan has one. */
  @IsOptional()
  @IsString()
  @Length(1, 64)
  groupNumber?: string;

  /** The insurer's decision on the request. */
  @ApiPropertyOptional({ enum: INSURANCE_DECISIONS })
  @IsOptional()
  @IsIn(INSURANCE_DECISIONS)
  decision?: (typeof INSURANCE_DECISIONS)[number];

  /** A note on the decision. */
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  decisionNote?: string;
}
