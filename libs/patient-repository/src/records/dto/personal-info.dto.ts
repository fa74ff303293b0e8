import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsEmail,
  IsIn,
  IsISO31661Alpha2,
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
  ValidateBy,
  ValidateNested,
  type ValidationOptions,
} from 'class-validator';

/** FHIR administrative gender (http://hl7.org/fhir/administrative-gender). */
export const ADMINISTRATIVE_GENDERS = ['male', 'female', 'other', 'unknown'] as const;
export type AdministrativeGender = (typeof ADMINISTRATIVE_GENDERS)[number];

/** E.164: a plus, a country code and at most 15 digits in all. */
const E164 = /^\+[1-9]\d{1,14}$/;
/** A name must hold at least one letter (a name of spaces or digits only is a typing mistake). */
const HAS_LETTER = /\p{L}/u;
/** No control characters (tabs, NUL, line breaks) in one-line values. */
const ONE_LINE = /^[^\p{Cc}]*$/u;
/** Postal codes of every country: letters, digits, spaces and hyphens (e.g. `SW1A 1AA`, `10115`, `12345-6789`). */
const POSTAL_CODE = /^[A-Za-z0-9][A-Za-z0-9 -]{0,18}[A-Za-z0-9]$|^[A-Za-z0-9]$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const EARLIEST_BIRTH = '1900-01-01';

/** Whether `value` is a real calendar date `YYYY-MM-DD` after 1900-01-01 and before today (UTC). */
export function isDateOfBirth(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const match = ISO_DATE.exec(value);
  if (!match) return false;
  const date = new Date(`${value}T00:00:00.000Z`);
  // Date rolls 2023-02-30 over to March; a real date reads back the same.
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value) return false;
  return value > EARLIEST_BIRTH && value < new Date().toISOString().slice(0, 10);
}

function IsDateOfBirth(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isDateOfBirth',
      validator: {
        validate: isDateOfBirth,
        defaultMessage: () => 'must be a date YYYY-MM-DD after 1900-01-01 and before today',
      },
    },
    options,
  );
}

export class LegalNameDto {
  /** Given names in order (first, middle…): 1 to 5. */
  @ApiProperty({ type: [String], minItems: 1, maxItems: 5, example: ['Ana', 'María'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(5)
  @IsString({ each: true })
  @Length(1, 100, { each: true })
  @Matches(HAS_LETTER, { each: true, message: 'each given name must contain a letter' })
  @Matches(ONE_LINE, { each: true, message: 'each given name must be one line without control characters' })
  given!: string[];

  /** The family name (surname). */
  @ApiProperty({ example: 'García López' })
  @IsString()
  @Length(1, 100)
  @Matches(HAS_LETTER, { message: 'must contain a letter' })
  @Matches(ONE_LINE, { message: 'must be one line without control characters' })
  family!: string;
}

export class ContactDto {
  /** The patient's email address. */
  @IsOptional()
  @IsEmail()
  @MaxLength(320)
  email?: string;

  /** The patient's phone number in E.164 (`+15551234567`). */
  @ApiPropertyOptional({ example: '+15551234567', pattern: E164.source })
  @IsOptional()
  @IsString()
  @Matches(E164, { message: 'must be an E.164 phone number such as +15551234567' })
  phone?: string;
}

export class AddressDto {
  /** Street lines, 1 to 4. */
  @ApiProperty({ type: [String], minItems: 1, maxItems: 4, example: ['221B Baker Street'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(4)
  @IsString({ each: true })
  @Length(1, 200, { each: true })
  @Matches(ONE_LINE, { each: true, message: 'each line must be one line without control characters' })
  line!: string[];

  @ApiProperty({ example: 'London' })
  @IsString()
  @Length(1, 100)
  @Matches(ONE_LINE, { message: 'must be one line without control characters' })
  city!: string;

  /** State, province or county, where the country has them. */
  @IsOptional()
  @IsString()
  @Length(1, 100)
  @Matches(ONE_LINE, { message: 'must be one line without control characters' })
  state?: string;

  /** Letters, digits, spaces and hyphens (1 to 20): identity challenges ask for it. */
  @ApiProperty({ example: 'NW1 6XE', pattern: POSTAL_CODE.source, maxLength: 20 })
  @IsString()
  @Matches(POSTAL_CODE, { message: 'must be 1 to 20 letters, digits, spaces or hyphens' })
  postalCode!: string;

  /** ISO 3166-1 alpha-2 country code, upper-case. */
  @ApiProperty({ example: 'GB', minLength: 2, maxLength: 2 })
  @IsISO31661Alpha2({ message: 'must be an ISO 3166-1 alpha-2 country code such as GB' })
  @Matches(/^[A-Z]{2}$/, { message: 'must be upper-case' })
  country!: string;
}

export class IdentifierDto {
  /** The namespace of the value, as in FHIR Identifier.system (e.g. `http://hl7.org/fhir/sid/us-ssn`, a hospital's MRN URI). */
  @ApiProperty({ example: 'urn:oid:2.16.840.1.113883.4.1' })
  @IsString()
  @Length(1, 200)
  @Matches(ONE_LINE, { message: 'must be one line without control characters' })
  system!: string;

  /** The identifier within its system. */
  @ApiProperty({ example: '123-45-6789' })
  @IsString()
  @Length(1, 100)
  @Matches(ONE_LINE, { message: 'must be one line without control characters' })
  value!: string;
}

/**
 * A patient's personal information. Stored only encrypted; the legal name, date of birth and first
 * identifier also feed the identity hash that refuses a second repository for the same person.
 */
export class PersonalInfoDto {
  @ApiProperty({ type: LegalNameDto })
  @ValidateNested()
  @Type(() => LegalNameDto)
  legalName!: LegalNameDto;

  /** `YYYY-MM-DD`, after 1900-01-01 and in the past. */
  @ApiProperty({ example: '1984-07-12', format: 'date' })
  @IsDateOfBirth()
  dateOfBirth!: string;

  /** FHIR administrative gender. */
  @ApiProperty({ enum: ADMINISTRATIVE_GENDERS })
  @IsIn(ADMINISTRATIVE_GENDERS)
  sex!: AdministrativeGender;

  @ApiPropertyOptional({ type: ContactDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => ContactDto)
  contact?: ContactDto;

  @ApiProperty({ type: AddressDto })
  @ValidateNested()
  @Type(() => AddressDto)
  address!: AddressDto;

  /** 1 to 5 identifiers; the first is the primary one (part of the identity hash). */
  @ApiProperty({ type: [IdentifierDto], minItems: 1, maxItems: 5 })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(5)
  @ValidateNested({ each: true })
  @Type(() => IdentifierDto)
  identifiers!: IdentifierDto[];
}

/** The decrypted personal information, as stored (plain data, the shape of PersonalInfoDto). */
export interface PersonalInfo {
  legalName: { given: string[]; family: string };
  dateOfBirth: string;
  sex: AdministrativeGender;
  contact?: { email?: string; phone?: string };
  address: { line: string[]; city: string; state?: string; postalCode: string; country: string };
  identifiers: { system: string; value: string }[];
}

/** The stored form of a validated DTO: only the known fields (class instances become plain data). */
export function toPersonalInfo(dto: PersonalInfoDto): PersonalInfo {
  const contact = dto.contact && {
    ...(dto.contact.email !== undefined ? { email: dto.contact.email } : {}),
    ...(dto.contact.phone !== undefined ? { phone: dto.contact.phone } : {}),
  };
  return {
    legalName: { given: [...dto.legalName.given], family: dto.legalName.family },
    dateOfBirth: dto.dateOfBirth,
    sex: dto.sex,
    ...(contact ? { contact } : {}),
    address: {
      line: [...dto.address.line],
      city: dto.address.city,
      ...(dto.address.state !== undefined ? { state: dto.address.state } : {}),
      postalCode: dto.address.postalCode,
      country: dto.address.country,
    },
    identifiers: dto.identifiers.map((i) => ({ system: i.system, value: i.value })),
  };
}
