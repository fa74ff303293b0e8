import { ApiProperty } from '@nestjs/swagger';
import { Matches } from 'class-validator';

export class MfaCodeDto {
  /** The six-digit code the authenticator app shows now. */
  @Matches(/^\d{6}$/, { message: 'must be six digits' })
  code!: string;
}

export class MfaEnrolmentResponse {
  /** The Base32 seed, for typing into an authenticator app; shown only now. */
  secret!: string;
  /** The same seed as an otpauth:// URL, for a QR code. */
  @ApiProperty({ example: 'otpauth://totp/itinera:ada%40example.com?issuer=itinera&secret=...' })
  otpauthUrl!: string;
}
