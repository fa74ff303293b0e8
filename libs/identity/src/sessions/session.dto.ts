import { ApiProperty } from '@nestjs/swagger';

export class SessionResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;
  /** password, password+totp */
  method!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  tenantId!: string | null;
  @ApiProperty({ type: String, nullable: true })
  ip!: string | null;
  @ApiProperty({ type: String, nullable: true })
  userAgent!: string | null;
  createdAt!: Date;
  lastUsedAt!: Date;
  expiresAt!: Date;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  revokedAt!: Date | null;
  @ApiProperty({ type: String, nullable: true })
  revokedReason!: string | null;
  /** The session the request was made with. */
  current!: boolean;
}
