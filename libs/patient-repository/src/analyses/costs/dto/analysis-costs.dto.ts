import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDate, IsOptional, MaxDate, MinDate } from 'class-validator';
import { AnalysisKind } from '@prisma/client';

const MIN_DATE = new Date('2000-01-01T00:00:00.000Z');
const MAX_DATE = new Date('9999-12-31T23:59:59.999Z');

/** A range of model-provider calls (`from` inclusive, `to` exclusive); by default this month (UTC) until now. */
export class AnalysisCostsQuery {
  @ApiPropertyOptional({ type: String, format: 'date-time' })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  @MinDate(MIN_DATE, { message: 'must be in the year 2000 or later' })
  @MaxDate(MAX_DATE, { message: 'must be before the year 10000' })
  from?: Date;

  @ApiPropertyOptional({ type: String, format: 'date-time' })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  @MinDate(MIN_DATE, { message: 'must be in the year 2000 or later' })
  @MaxDate(MAX_DATE, { message: 'must be before the year 10000' })
  to?: Date;
}

export class CostTotals {
  /** Model-provider calls (a retried analysis makes one per attempt). */
  @ApiProperty({ type: 'integer' })
  calls!: number;
  /** Distinct analyses that made them. */
  @ApiProperty({ type: 'integer' })
  analyses!: number;
  @ApiProperty({ type: 'integer' })
  inputTokens!: number;
  @ApiProperty({ type: 'integer' })
  outputTokens!: number;
  /** tokens / 1000 × MODEL_PRICE_*_PER_1K at the time of each call. */
  cost!: number;
}

export class KindCostTotals extends CostTotals {
  @ApiProperty({ enum: AnalysisKind, enumName: 'AnalysisKind' })
  kind!: AnalysisKind;
}

export class AnalysisCostsResponse {
  from!: Date;
  to!: Date;
  /** The tenant's totals over the range. */
  total!: CostTotals;
  /** Per analysis kind (in the AnalysisKind enum's order), only kinds with calls in the range. */
  @ApiProperty({ type: [KindCostTotals] })
  byKind!: KindCostTotals[];
}
