import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import type { RecordCategory } from '@prisma/client';
import { RECORD_CATEGORIES } from '../../../access/record-access.types';

/** `a,b` or `categories=a&categories=b` (or both) as one list. */
const commaSeparated = () =>
  Transform(({ value }) => {
    const parts = (Array.isArray(value) ? value : [value]).flatMap((v) => (typeof v === 'string' ? v.split(',') : [v]));
    return parts.map((v) => (typeof v === 'string' ? v.trim() : v)).filter((v) => v !== '');
  });

/**
 * OpenAPI's name for `a,b` in a query string (`style: form, explode: false`); @nestjs/swagger
 * writes these parameter fields from @ApiProperty but does not declare them in its options type.
 */
const COMMA_SEPARATED: object = { style: 'form', explode: false };

export class ExportRecordQuery {
  /**
   * The categories to export, comma-separated (default: every category the caller may read). Asking
   * explicitly for one a specialist's grant does not cover answers 403.
   */
  @ApiPropertyOptional({
    enum: RECORD_CATEGORIES,
    isArray: true,
    ...COMMA_SEPARATED,
    example: ['DIAGNOSES', 'VITAL_SIGNS'],
  })
  @IsOptional()
  @commaSeparated()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(RECORD_CATEGORIES.length)
  @ArrayUnique()
  @IsIn(RECORD_CATEGORIES, { each: true })
  categories?: RecordCategory[];

  /** The cursor of the `next` link of the previous page; omit for the first page. */
  @IsOptional()
  @IsString()
  @MaxLength(512)
  @Matches(/^[A-Za-z0-9_-]+$/, { message: 'is not a cursor issued by this API' })
  cursor?: string;

  /** Entries per page (default and maximum: PATIENT_EXPORT_PAGE_SIZE). */
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 5000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(5000)
  limit?: number;
}
