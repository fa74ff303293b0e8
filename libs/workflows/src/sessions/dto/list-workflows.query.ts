import { ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDate, IsIn, IsOptional, IsString, IsUUID, MaxDate, MaxLength } from 'class-validator';
import { PageQueryDto } from '@itinera/platform';
import { WORKFLOW_STATUSES, type WorkflowStatusName } from './workflow.response';

const MAX_DATE = new Date('9999-12-31T23:59:59.999Z');

/** A created-at range (`createdFrom` inclusive, `createdTo` exclusive). */
export class WorkflowCreatedRangeQuery {
  /** Sessions created at or after this instant. */
  @ApiPropertyOptional({ type: String, format: 'date-time' })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  @MaxDate(MAX_DATE, { message: 'must be before the year 10000' })
  createdFrom?: Date;

  /** Sessions created before this instant. */
  @ApiPropertyOptional({ type: String, format: 'date-time' })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  @MaxDate(MAX_DATE, { message: 'must be before the year 10000' })
  createdTo?: Date;
}

/** Filters of GET /workflows (the created range among them) plus `cursor` and `limit`. */
export class ListWorkflowsQuery extends IntersectionType(PageQueryDto, WorkflowCreatedRangeQuery) {
  @ApiPropertyOptional({ enum: WORKFLOW_STATUSES })
  @IsOptional()
  @IsIn(WORKFLOW_STATUSES)
  status?: WorkflowStatusName;

  /** The user or API key that created the sessions. */
  @IsOptional()
  @IsUUID()
  creatorId?: string;

  /** A JSON object the session's metadata must contain (`metadata @> …`), e.g. `{"orderId":"A-17"}`. */
  @ApiPropertyOptional({ example: '{"orderId":"A-17"}' })
  @IsOptional()
  @IsString()
  @MaxLength(4096)
  metadata?: string;

  /** A JSON object some recipient's form data must contain, e.g. `{"npi":"1234567893"}`. */
  @ApiPropertyOptional({ example: '{"npi":"1234567893"}' })
  @IsOptional()
  @IsString()
  @MaxLength(4096)
  recipientFormData?: string;
}
