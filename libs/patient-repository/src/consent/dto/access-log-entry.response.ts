import { ApiProperty } from '@nestjs/swagger';
import type { AccessOutcome, RecordCategory } from '@prisma/client';
import { RECORD_CATEGORIES } from '../../access/record-access.types';

export const ACCESS_OUTCOMES: AccessOutcome[] = ['ALLOWED', 'DENIED'];

/** One read of the record (or one refused read), as the PHI access log holds it. */
export class AccessLogEntryResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;
  /** USER, API_KEY or SYSTEM (an analysis acting for the user who asked for it). */
  @ApiProperty({ enum: ['USER', 'API_KEY', 'SYSTEM'] })
  actorType!: string;
  /** The user (or API key) who read; for SYSTEM, the user the analysis acted for. */
  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  actorId!: string | null;
  /** The actor's role in the tenant at the time (PATIENT, SPECIALIST, ...). */
  @ApiProperty({ type: String, nullable: true })
  actorRole!: string | null;
  /** The actor's display name today, for convenience (null for API keys and deleted users). */
  @ApiProperty({ type: String, nullable: true })
  actorDisplayName!: string | null;
  /** READ, LIST, HISTORY, EXPORT or ANALYSIS. */
  @ApiProperty({ enum: ['READ', 'LIST', 'HISTORY', 'EXPORT', 'ANALYSIS'] })
  action!: string;
  /** The categories read (or asked for, when refused). */
  @ApiProperty({ enum: RECORD_CATEGORIES, isArray: true })
  categories!: RecordCategory[];
  /** The entry (or analysis) read, when one was. */
  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  resourceId!: string | null;
  /** The consent grant a specialist read under. */
  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  grantId!: string | null;
  /** The purpose of that grant (HL7 v3 PurposeOfUse). */
  @ApiProperty({ type: String, nullable: true })
  purpose!: string | null;
  @ApiProperty({ enum: ACCESS_OUTCOMES })
  outcome!: AccessOutcome;
  /** Why a read was refused (NO_LIVE_GRANT, SCOPE_NOT_GRANTED, NOT_THE_PATIENT, ...). */
  @ApiProperty({ type: String, nullable: true })
  reason!: string | null;
  @ApiProperty({ type: String, nullable: true })
  ip!: string | null;
  @ApiProperty({ type: String, nullable: true })
  userAgent!: string | null;
  @ApiProperty({ type: String, nullable: true })
  requestId!: string | null;
  occurredAt!: Date;
}
