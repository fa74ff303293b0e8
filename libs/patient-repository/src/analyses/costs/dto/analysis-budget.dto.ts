import { ApiProperty } from '@nestjs/swagger';
import { IsNumber, Max, Min } from 'class-validator';

/** The largest value analysis_budgets.monthly_limit (DECIMAL(14,2)) holds. */
const MAX_LIMIT = 999_999_999_999.99;

export class SetAnalysisBudgetDto {
  /** Model-provider spending allowed per calendar month (UTC), in the currency of MODEL_PRICE_*; 0 stops MODEL_REVIEW. */
  @ApiProperty({ example: 25, minimum: 0, maximum: MAX_LIMIT })
  @IsNumber({ allowNaN: false, allowInfinity: false, maxDecimalPlaces: 2 })
  @Min(0)
  @Max(MAX_LIMIT)
  monthlyLimit!: number;
}

export class AnalysisBudgetResponse {
  /** The monthly limit; null when the tenant has none (no limit). */
  @ApiProperty({ type: Number, nullable: true, example: 25 })
  monthlyLimit!: number | null;

  /** Model-provider cost recorded since the start of the month (UTC). */
  @ApiProperty({ example: 3.5121 })
  spentThisMonth!: number;

  /** Estimated cost still held by QUEUED and RUNNING analyses (estimate less what they have spent). */
  @ApiProperty({ example: 0.0012 })
  reserved!: number;

  /** monthlyLimit − spentThisMonth − reserved, never below 0; null without a limit. */
  @ApiProperty({ type: Number, nullable: true, example: 21.4867 })
  remaining!: number | null;

  /** The month the figures cover: [periodStart, periodEnd). */
  periodStart!: Date;
  periodEnd!: Date;

  /** When the limit was last set; null without a limit. */
  @ApiProperty({ type: Date, nullable: true })
  updatedAt!: Date | null;
}
