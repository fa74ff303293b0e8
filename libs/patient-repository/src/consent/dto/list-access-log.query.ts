import { ApiPropertyOptional } from '@nestjs/swagger';
import type { AccessOutcome } from '@prisma/client';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { PageQueryDto } from '@itinera/platform';
import { ACCESS_OUTCOMES } from './access-log-entry.response';

/** Filters of a record's access log (newest first). */
export class ListAccessLogQuery extends PageQueryDto {
  /** Only allowed, or only refused, reads. */
  @ApiPropertyOptional({ enum: ACCESS_OUTCOMES })
  @IsOptional()
  @IsIn(ACCESS_OUTCOMES)
  outcome?: AccessOutcome;

  /** Only the reads of this user (or API key). */
  @IsOptional()
  @IsUUID()
  actorId?: string;
}
