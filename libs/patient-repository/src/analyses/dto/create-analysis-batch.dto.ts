import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsUUID, ValidateNested } from 'class-validator';
import { AnalysisResponse } from './analysis.response';
import { CreateAnalysisDto } from './create-analysis.dto';

/** The hard ceiling of a batch; ANALYSIS_BATCH_MAX_ITEMS (at most this) is the configured one. */
export const ANALYSIS_BATCH_HARD_LIMIT = 1_000;

/** One analysis of a batch: which record, and the kind and priority a single request takes. */
export class AnalysisBatchItemDto extends CreateAnalysisDto {
  /** The record to analyse: the caller's own, or one shared with them under a live grant. */
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  repositoryId!: string;
}

/**
 * POST /analyses/batch: several analyses at once, e.g. a specialist asking for one kind over the
 * records shared with them, or a patient for several kinds of their own record. All or nothing.
 */
export class CreateAnalysisBatchDto {
  /** At least one, at most ANALYSIS_BATCH_MAX_ITEMS (100 by default). A record may appear more than once. */
  @ApiProperty({ type: [AnalysisBatchItemDto], minItems: 1, maxItems: ANALYSIS_BATCH_HARD_LIMIT })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(ANALYSIS_BATCH_HARD_LIMIT)
  @ValidateNested({ each: true })
  @Type(() => AnalysisBatchItemDto)
  items!: AnalysisBatchItemDto[];
}

/** The analyses a batch queued, in the order of its items. */
export class AnalysisBatchResponse {
  @ApiProperty({ type: [AnalysisResponse] })
  items!: AnalysisResponse[];
}
