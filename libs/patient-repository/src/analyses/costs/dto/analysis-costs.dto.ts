import { ApiProperty } from '@nestjs/swagger';
import { AnalysisKind } from '@prisma/client';
import { InstantRangeQuery } from '../../dto/instant-range.query';

/** A range of model-provider calls; by default this month (UTC) until now. */
export class AnalysisCostsQuery extends InstantRangeQuery {}

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
