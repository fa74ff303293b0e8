import { Injectable, Logger } from '@nestjs/common';
import { Readable } from 'node:stream';
import { toPage, type Page } from '@itinera/platform';
import { auditCursorValues, decodeAuditCursor, type AuditEventFilter, type AuditLogPosition } from './audit-log-query';
import { AuditLogRepository } from './audit-log.repository';
import { toAuditEventResponse, type AuditEventRow, type AuditEventResponse } from './dto/audit-event.response';
import type { ListAuditEventsQuery } from './dto/list-audit-events.query';

/** Rows per statement of an export: big enough to amortise the round trip, small enough to keep memory flat. */
export const EXPORT_BATCH_SIZE = 1000;

/** Only the filter fields of a query DTO (it also carries cursor and limit). */
function filterOf(query: AuditEventFilter): AuditEventFilter {
  const { actorType, actorId, action, resourceType, resourceId, from, to } = query;
  return { actorType, actorId, action, resourceType, resourceId, from, to };
}

const positionOf = (row: AuditEventRow): AuditLogPosition => ({ occurredAt: row.occurred_at, id: row.id });

/** Tenant administrators' view of their audit log: pages and a streamed export, newest first. */
@Injectable()
export class AuditEventsService {
  private readonly logger = new Logger(AuditEventsService.name);

  constructor(private readonly repository: AuditLogRepository) {}

  async list(tenantId: string, query: ListAuditEventsQuery): Promise<Page<AuditEventResponse>> {
    const after = query.cursor ? decodeAuditCursor(query.cursor) : undefined;
    const rows = await this.repository.page(tenantId, filterOf(query), { after, limit: query.limit + 1 });
    return toPage(rows, query.limit, (row) => auditCursorValues(positionOf(row)), toAuditEventResponse);
  }

  /**
   * The matching entries as NDJSON, one entry a line, fetched in keyset batches of
   * EXPORT_BATCH_SIZE as the client reads (the stream pulls the next batch only when the previous
   * one has been written). The export holds the entries committed when it started: it is bounded
   * by the chain's last seq at that moment, so entries written meanwhile never half-appear.
   *
   * The first batch is read before the stream is returned, so a failure there is still an ordinary
   * problem response; a failure after the first byte aborts the response (the client sees a
   * truncated transfer, never a well-formed but incomplete file).
   */
  async export(tenantId: string, query: AuditEventFilter, batchSize = EXPORT_BATCH_SIZE): Promise<Readable> {
    const filter = filterOf(query);
    const maxSeq = await this.repository.lastSeq(tenantId);
    const first = await this.repository.page(tenantId, filter, { maxSeq, limit: batchSize });
    const repository = this.repository;
    const logger = this.logger;

    async function* batches(): AsyncGenerator<string> {
      let rows = first;
      for (;;) {
        if (rows.length) yield rows.map((row) => `${JSON.stringify(toAuditEventResponse(row))}\n`).join('');
        if (rows.length < batchSize) return;
        try {
          rows = await repository.page(tenantId, filter, {
            maxSeq,
            after: positionOf(rows[rows.length - 1]),
            limit: batchSize,
          });
        } catch (error) {
          logger.error({ err: error, tenantId }, 'audit export failed after it started; the response is cut short');
          throw error;
        }
      }
    }

    // highWaterMark 1: at most one batch waits in the stream's buffer beside the socket's own.
    return Readable.from(batches(), { highWaterMark: 1 });
  }
}
