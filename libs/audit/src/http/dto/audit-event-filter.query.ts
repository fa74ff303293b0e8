import { ApiPropertyOptional } from '@nestjs/swagger';
import { AuditActorType } from '@prisma/client';
import {
  IsEnum,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateBy,
  type ValidationOptions,
} from 'class-validator';
import { auditTimeMicros, isAuditTime, type AuditEventFilter } from '../audit-log-query';

/** Control characters never appear in what the audit writer stores, and PostgreSQL refuses NUL. */
const PRINTABLE = /^[^\p{Cc}]*$/u;

/** A date (`2026-11-27`, midnight UTC) or a date-time with an offset (`2026-11-27T11:27:25.123456Z`). */
function IsAuditTime(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isAuditTime',
      validator: {
        validate: (value) => isAuditTime(value),
        defaultMessage: () =>
          'must be an ISO 8601 date (YYYY-MM-DD) or date-time with an offset (YYYY-MM-DDTHH:MM[:SS[.ffffff]]Z or ±HH:MM)',
      },
    },
    options,
  );
}

/** The decorated time is not earlier than the sibling property `other` (when both are valid). */
function IsNotEarlierThan(other: string, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isNotEarlierThan',
      constraints: [other],
      validator: {
        validate: (value, args) => {
          const start = (args?.object as Record<string, unknown> | undefined)?.[other];
          if (typeof value !== 'string' || typeof start !== 'string') return true;
          const [from, to] = [auditTimeMicros(start), auditTimeMicros(value)];
          return from === undefined || to === undefined || from <= to;
        },
        defaultMessage: () => `must not be earlier than ${other}`,
      },
    },
    options,
  );
}

/** The filters of the audit log's list and export; every one optional, all of them combined. */
export class AuditEventFilterQuery implements AuditEventFilter {
  /** Only entries whose actor is of this kind. */
  @ApiPropertyOptional({ enum: AuditActorType, enumName: 'AuditActorType' })
  @IsOptional()
  @IsEnum(AuditActorType)
  actorType?: AuditActorType;

  /** Only entries by this actor (a user id, an API key id...). */
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  @Matches(PRINTABLE, { message: 'must not contain control characters' })
  actorId?: string;

  /** Only entries of this action, e.g. `api_key.created` (exact match). */
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  @Matches(PRINTABLE, { message: 'must not contain control characters' })
  action?: string;

  /** Only entries about this kind of resource, e.g. `api_key`. */
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  @Matches(PRINTABLE, { message: 'must not contain control characters' })
  resourceType?: string;

  /** Only entries about the resource with this id. */
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  @Matches(PRINTABLE, { message: 'must not contain control characters' })
  resourceId?: string;

  /** Entries at or after this time: a date (midnight UTC) or a date-time with an offset. */
  @ApiPropertyOptional({ format: 'date-time', example: '2026-11-01T00:00:00Z' })
  @IsOptional()
  @IsAuditTime()
  from?: string;

  /** Entries at or before this time: a date (midnight UTC) or a date-time with an offset; not earlier than `from`. */
  @ApiPropertyOptional({ format: 'date-time', example: '2026-11-30T23:59:59.999999Z' })
  @IsOptional()
  @IsAuditTime()
  @IsNotEarlierThan('from')
  to?: string;
}
