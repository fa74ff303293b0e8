import { ApiProperty } from '@nestjs/swagger';
import { AnalysisKind } from '@prisma/client';
import { Type } from 'class-transformer';
import { IsEnum, IsInt, Max, Min } from 'class-validator';

export const ANALYSIS_KINDS = Object.values(AnalysisKind);

/** POST /patient-repositories/{id}/analyses. */
export class CreateAnalysisDto {
  /** Which analyser runs; its categories are what the consent check covers. */
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
