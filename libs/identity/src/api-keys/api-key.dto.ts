import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsDate,
  IsIn,
  IsOptional,
  IsString,
  Length,
  MaxDate,
} from 'class-validator';
import { API_KEY_SCOPES, type ApiKeyScope } from '@itinera/platform';

export class CreateApiKeyDto {
  /** What the key is for, e.g. "CI ingestion". */
  @IsString()
  @Length(1, 100)
  name!: string;

  @ApiProperty({ enum: API_KEY_SCOPES, isArray: true, example: ['read'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(API_KEY_SCOPES.length)
  @ArrayUnique()
  @IsIn(API_KEY_SCOPES, { each: true })
  scopes!: ApiKeyScope[];

  /** When the key stops working; never when omitted. */
  @ApiPropertyOptional({ type: String, format: 'date-time' })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  // Later dates are valid in JavaScript but not storable (a 500 from the database layer).
  @MaxDate(new Date('9999-12-31T23:59:59.999Z'), { message: 'must be before the year 10000' })
  expiresAt?: Date;
}

export class ApiKeyResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;
  name!: string;
  /** The visible start of the key (`itk_<prefix>_…`), to tell keys apart. */
  prefix!: string;
  @ApiProperty({ enum: API_KEY_SCOPES, isArray: true })
  scopes!: string[];
  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  createdBy!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  expiresAt!: Date | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  lastUsedAt!: Date | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  revokedAt!: Date | null;
  createdAt!: Date;
}

/** A new key: the only response that ever contains the key itself. */
export class CreatedApiKeyResponse extends ApiKeyResponse {
  /** The whole key, shown once: store it now, it cannot be read again. */
  key!: string;
}
