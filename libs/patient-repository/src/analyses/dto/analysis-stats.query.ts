import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDate, IsOptional, MaxDate } from 'class-validator';

const MAX_DATE = new Date('9999-12-31T23:59:59.999Z');

/** A range over the runs' finish times (`from` inclusive, `to` exclusive); all runs without one. */
export class AnalysisStatsQuery {
  /** Runs that finished at or after this instant. */
  @ApiPropertyOptional({ type: String, format: 'date-time' })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  @MaxDate(MAX_DATE, { message: 'must be before the year 10000' })
  from?: Date;

  /** Runs that finished before this instant. */
  @ApiPropertyOptional({ type: String, format: 'date-time' })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  @MaxDate(MAX_DATE, { message: 'must be before the year 10000' })
  to?: Date;
}
