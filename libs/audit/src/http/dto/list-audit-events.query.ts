import { IntersectionType } from '@nestjs/swagger';
import { PageQueryDto } from '@itinera/platform';
import { AuditEventFilterQuery } from './audit-event-filter.query';

/** A page of the audit log: the filters plus `cursor` and `limit`. */
export class ListAuditEventsQuery extends IntersectionType(AuditEventFilterQuery, PageQueryDto) {}
