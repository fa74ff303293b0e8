import { ApiProperty } from '@nestjs/swagger';

export class WorkflowStatusCounts {
  @ApiProperty({ type: 'integer' })
  ACTIVE!: number;
  @ApiProperty({ type: 'integer' })
  COMPLETED!: number;
  @ApiProperty({ type: 'integer' })
  CANCELLED!: number;
  @ApiProperty({ type: 'integer' })
  EXPIRED!: number;
}

export class RecipientStatusCounts {
  @ApiProperty({ type: 'integer' })
  PENDING!: number;
  @ApiProperty({ type: 'integer' })
  ACCESSED!: number;
  @ApiProperty({ type: 'integer' })
  IN_PROGRESS!: number;
  @ApiProperty({ type: 'integer' })
  COMPLETED!: number;
  @ApiProperty({ type: 'integer' })
  DECLINED!: number;
  @ApiProperty({ type: 'integer' })
  FAILED!: number;
  @ApiProperty({ type: 'integer' })
  EXPIRED!: number;
}

export class RecipientTypeStats {
  @ApiProperty({ enum: ['PRESCRIBER', 'PATIENT', 'PHARMACY', 'INSURANCE', 'CUSTOM'] })
  type!: string;
  @ApiProperty({ type: 'integer' })
  total!: number;
  byStatus!: RecipientStatusCounts;
  /**
   * Median seconds from the session's creation to this recipient's completion (not from when their
   * turn began, which is not recorded); null when none completed.
   */
  @ApiProperty({ type: Number, nullable: true })
  medianSecondsToComplete!: number | null;
}

/** Statistics of the sessions created in the range (all of the tenant's when no range is given). */
export class WorkflowStatsResponse {
  @ApiProperty({ type: 'integer' })
  total!: number;
  byStatus!: WorkflowStatusCounts;
  /** COMPLETED / (COMPLETED + CANCELLED + EXPIRED); null when none finished. */
  @ApiProperty({ type: Number, nullable: true })
  completionRate!: number | null;
  /** Median seconds from creation to completion of the COMPLETED sessions; null when none. */
  @ApiProperty({ type: Number, nullable: true })
  medianSecondsToComplete!: number | null;
  @ApiProperty({ type: [RecipientTypeStats] })
  recipientTypes!: RecipientTypeStats[];
}
