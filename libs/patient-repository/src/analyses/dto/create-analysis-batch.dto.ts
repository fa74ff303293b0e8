import { ApiProperty } from '@nestjs/swagger';
import { AnalysisKind } from '@prisma/client';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsEnum, IsInt, IsUUID, Max, Min, ValidateNested } from 'class-validator';
import { AnalysisResponse } from './analysis.response';
import { ANALYSIS_KINDS } from './create-analysis.dto';

/** The hard ceiling of a batch; ANALYSIS_BATCH_MAX_ITEMS (at most this) is the configured one. */
export const ANALYSIS_BATCH_HARD_LIMIT = 1_000;

/** One analysis of a batch: which record, which analyser, which priority. */
export class AnalysisBatchItemDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  repositoryId!: string;

  @ApiProperty({ enum: ANALYSIS_KINDS, enumName: 'AnalysisKind' })
  @IsEnum(AnalysisKind)
  kind!: AnalysisKind;

  /** 1 runs first, 10 last (Bull's job priority). */
  @ApiProperty({ type: 'integer', minimum: 1, maximum: 10, example: 5 })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10)
  priority!: number;
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
