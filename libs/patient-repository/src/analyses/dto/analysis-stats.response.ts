import { ApiProperty } from '@nestjs/swagger';
import { ANALYSIS_KINDS } from './create-analysis.dto';

/** One analyser's attempts (analysis_runs) in the range. */
export class AnalyserStatsResponse {
  @ApiProperty({ enum: ANALYSIS_KINDS, enumName: 'AnalysisKind' })
  kind!: string;
  /** Attempts that ended (COMPLETED, FAILED or CANCELLED). */
  @ApiProperty({ type: 'integer' })
  runs!: number;
  @ApiProperty({ type: 'integer' })
  failures!: number;
  @ApiProperty({ type: 'integer' })
  cancellations!: number;
  /** Mean duration of an attempt, ms. */
  meanDurationMs!: number;
  /** 95th percentile of the attempts' durations, ms. */
  p95DurationMs!: number;
}

export class AnalysisStatsResponse {
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  from!: Date | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  to!: Date | null;
  /** One row per analyser that ran in the range. */
  @ApiProperty({ type: [AnalyserStatsResponse] })
  kinds!: AnalyserStatsResponse[];
}
