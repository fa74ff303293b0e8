import { ApiProperty } from '@nestjs/swagger';

/** The first entry of a chain that does not verify. */
export class AuditMismatchResponse {
  /** The entry; null when the chain's head (its last seq and hash) is what does not match. */
  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  id!: string | null;

  /** Its position in the chain (a decimal string). */
  @ApiProperty({ example: '17' })
  seq!: string;

  /** What is wrong: its content does not match its hash, entries are missing before it, or the head does not match. */
  @ApiProperty({ example: 'content does not match its hash' })
  problem!: string;
}

/** The verification of one tenant's audit chain. */
export class TenantAuditVerificationResponse {
  /** Every entry matches its hash and follows the previous one without gaps. */
  intact!: boolean;

  /** When the verification ran. */
  checkedAt!: Date;

  /** The first entry that does not verify; null when the chain is intact. */
  @ApiProperty({ type: AuditMismatchResponse, nullable: true })
  firstMismatch!: AuditMismatchResponse | null;
}

/** One chain of the platform-wide verification. */
export class AuditChainVerificationResponse {
  /** The tenant whose chain this is; null for the platform chain. */
  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  tenantId!: string | null;

  intact!: boolean;

  @ApiProperty({ type: AuditMismatchResponse, nullable: true })
  firstMismatch!: AuditMismatchResponse | null;
}

/** The verification of every audit chain: the platform's, then each tenant's by id. */
export class PlatformAuditVerificationResponse {
  /** Every chain is intact. */
  intact!: boolean;

  /** When the verification started. */
  checkedAt!: Date;

  /** The platform chain first, then every tenant of the registry (with or without entries). */
  @ApiProperty({ type: [AuditChainVerificationResponse] })
  chains!: AuditChainVerificationResponse[];
}
