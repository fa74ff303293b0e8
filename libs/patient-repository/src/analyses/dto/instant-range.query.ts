import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDate, IsOptional, MaxDate, MinDate } from 'class-validator';

// Instants PostgreSQL's timestamptz and the books can hold (a year 10000 would be a 500 otherwise).
const MIN_DATE = new Date('2000-01-01T00:00:00.000Z');
const MAX_DATE = new Date('9999-12-31T23:59:59.999Z');

/** A half-open range of instants for the analyses' reports: `from` inclusive, `to` exclusive. */
export class InstantRangeQuery {
  /** At or after this instant. */
  @ApiPropertyOptional({ type: String, format: 'date-time' })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  @MinDate(MIN_DATE, { message: 'must be in the year 2000 or later' })
  @MaxDate(MAX_DATE, { message: 'must be before the year 10000' })
  from?: Date;

  /** Before this instant. */
  @ApiPropertyOptional({ type: String, format: 'date-time' })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  @MinDate(MIN_DATE, { message: 'must be in the year 2000 or later' })
  @MaxDate(MAX_DATE, { message: 'must be before the year 10000' })
  to?: Date;
}
