import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsString, Matches } from 'class-validator';

export class SendVerificationCodeDto {
  /** Where to send the code: the recipient must have that contact. */
  @ApiProperty({ enum: ['EMAIL', 'SMS'] })
  @IsIn(['EMAIL', 'SMS'])
  channel!: 'EMAIL' | 'SMS';
}

export class ConfirmVerificationCodeDto {
  /** The 6-digit code that was sent. */
  @ApiProperty({ pattern: '^\\d{6}$', example: '123456' })
  @IsString()
  @Matches(/^\d{6}$/, { message: 'must be 6 digits' })
  code!: string;
}

export class VerificationCodeSentResponse {
  @ApiProperty({ enum: ['EMAIL', 'SMS'] })
  channel!: 'EMAIL' | 'SMS';
  /** The address the code goes to, masked. */
  destination!: string;
  /** Until when the code can be confirmed. */
  expiresAt!: Date;
}

export class VerificationGrantResponse {
  /** Send it as the `X-Link-Verification` header with every request of this link until it expires. */
  verificationToken!: string;
  expiresAt!: Date;
}
