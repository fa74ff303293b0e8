import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';

/** E.164: a plus, a country code and at most 15 digits in all (as at creation). */
const E164_PATTERN = /^\+[1-9]\d{1,14}$/;

/**
 * The person (or contact) who takes over a recipient's step. The contacts given replace the old
 * ones (an omitted one is removed); at least one of email and phone is required.
 */
export class ReassignRecipientDto {
  /** The new person's name; the current name is kept when omitted. */
  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;

  /** Where the new link is sent by email (stored lower-case). */
  @IsOptional()
  @IsEmail()
  @MaxLength(320)
  email?: string;

  /** Where the new link is sent by SMS, in E.164 (`+15551234567`). */
  @ApiPropertyOptional({ example: '+15551234567' })
  @IsOptional()
  @IsString()
  @Matches(E164_PATTERN, { message: 'must be an E.164 phone number such as +15551234567' })
  phone?: string;

  /** Why (kept with the previous assignment). */
  @IsOptional()
  @IsString()
  @Length(1, 500)
  reason?: string;
}
