import { IsOptional, IsString, MaxLength } from 'class-validator';

export class RevokeConsentGrantDto {
  /** Why the patient revokes the grant; shown to the patient only, never logged, audited or sent. */
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}
