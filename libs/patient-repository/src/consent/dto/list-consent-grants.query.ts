import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import type { ConsentStatus } from '@prisma/client';
import { PageQueryDto } from '@itinera/platform';

export const CONSENT_STATUSES: ConsentStatus[] = ['ACTIVE', 'REVOKED', 'EXPIRED'];

/** Filters of a repository's grants (newest first). */
export class ListConsentGrantsQuery extends PageQueryDto {
  /** Only grants in this status (ACTIVE includes grants not started yet or past their period but not yet marked EXPIRED). */
  @ApiPropertyOptional({ enum: CONSENT_STATUSES })
  @IsOptional()
  @IsIn(CONSENT_STATUSES)
  status?: ConsentStatus;
}

/** Filters of a specialist's grants: the live ones unless a status is asked for. */
export class ListSpecialistGrantsQuery extends PageQueryDto {
  /** Grants in this status; without it, only live grants (ACTIVE and inside their period). */
  @ApiPropertyOptional({ enum: CONSENT_STATUSES })
  @IsOptional()
  @IsIn(CONSENT_STATUSES)
  status?: ConsentStatus;
}
