import { Injectable } from '@nestjs/common';
import {
  RequestContext,
  toPage,
  TimeIdCursor,
  validationFailed,
  type Page,
  type PageQueryDto,
} from '@itinera/platform';
import { PrismaService } from '@itinera/prisma';
import { ModuleRef } from '@nestjs/core';
import { AuditEventsService } from '@itinera/audit';
import type { ListWorkflowsQuery, WorkflowCreatedRangeQuery } from './dto/list-workflows.query';
import type { WorkflowStatsResponse } from './dto/workflow-stats.response';
import { toWorkflowSummary, type SessionRow, type WorkflowSummaryResponse } from './dto/workflow.response';
import { workflowNotFound } from './workflow.errors';

interface SessionDbRow {
  id: string;
  document_url: string;
  status: string;
  creator_id: string;
  creator_type: string;
  metadata: unknown;
  total_recipients: number;
  completed_recipients: number;
  current_recipient_order: number;
  expires_at: Date;
  finished_at: Date | null;
  cancel_reason: string | null;
  legal_hold: boolean;
  purged_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const SESSION_COLUMNS = `s.id, s.document_url, s.status, s.creator_id, s.creator_type, s.metadata, s.total_recipients,
  s.completed_recipients, s.current_recipient_order, s.expires_at, s.finished_at, s.cancel_reason, s.legal_hold,
  s.purged_at, s.created_at, s.updated_at`;

const fromDb = (r: SessionDbRow): SessionRow => ({
  id: r.id,
  documentUrl: r.document_url,
  status: r.status,
  creatorId: r.creator_id,
  creatorType: r.creator_type,
  metadata: r.metadata,
  totalRecipients: r.total_recipients,
  completedRecipients: r.completed_recipients,
  currentRecipientOrder: r.current_recipient_order,
  expiresAt: r.expires_at,
  finishedAt: r.finished_at,
  cancelReason: r.cancel_reason,
  legalHold: r.legal_hold,
  purgedAt: r.purged_at,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** A filter given as a JSON object string: parsed, or a 400 naming it. */
function jsonObjectFilter(field: string, value: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw validationFailed([{ field, message: 'must be a JSON object' }]);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw validationFailed([{ field, message: 'must be a JSON object' }]);
  }
  // PostgreSQL refuses NUL in jsonb text; a 400 rather than a database error.
  const text = JSON.stringify(parsed);
  if (text.includes('\\u0000')) throw validationFailed([{ field, message: 'must not contain NUL characters' }]);
  return text;
}

/** Appends conditions with numbered parameters. */
class Conditions {
  readonly clauses: string[] = [];
  readonly values: unknown[] = [];
  param(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
  add(clause: string): void {
    this.clauses.push(clause);
  }
}

/** A page of the audit log as AuditEventsService returns it. */
export type AuditEventPage = Awaited<ReturnType<AuditEventsService['list']>>;

function tenantOfContext(): string {
  const tenantId = RequestContext.get('tenantId');
  if (!tenantId) throw new Error('workflow queries need a tenant in context');
  return tenantId;
}

/**
 * The read side of sessions: the list (one round trip through `tenantQuery`, keyset pages on the
 * (tenant_id[, status | creator_id], created_at DESC, id DESC) indexes, containment filters on the
 * GIN indexes), statistics and the audit trail. The statistics name the tenant explicitly as well,
 * so the planner can use the indexes' leading column; row-level security applies on top.
 */
@Injectable()
export class WorkflowQueriesService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly modules: ModuleRef,
  ) {}

  /**
   * The audit log's reader lives in AuditHttpModule (imported by the API), which does not export
   * it; it is looked up across modules rather than read with a second query of our own.
   */
  private get auditLog(): AuditEventsService {
    return this.modules.get(AuditEventsService, { strict: false });
  }

  async list(query: ListWorkflowsQuery): Promise<Page<WorkflowSummaryResponse>> {
    const { sql, values } = this.listSql(query);
    const rows = await this.prisma.tenantQuery<SessionDbRow>(sql, values);
    return toPage(rows.map(fromDb), query.limit, TimeIdCursor.cursorOf, toWorkflowSummary);
  }

  /**
   * The list's statement and values. Without a status, metadata or form-data filter: a plain
   * keyset query under row-level security (every operator it uses is leakproof, so the
   * (tenant_id[, creator_id], created_at DESC, id DESC) indexes serve it). With one of those: one
   * call of workflow_session_page(), a SECURITY DEFINER function (see its migration), because under
   * row-level security PostgreSQL builds no index condition from enum equality or jsonb
   * containment (not leakproof) and would read the whole tenant to find a rare status or a
   * selective containment; the function answers for the caller's tenant only (app_current_tenant()).
   */
  listSql(query: ListWorkflowsQuery): { sql: string; values: unknown[] } {
    const metadata = query.metadata === undefined ? null : jsonObjectFilter('metadata', query.metadata);
    const formData =
      query.recipientFormData === undefined ? null : jsonObjectFilter('recipientFormData', query.recipientFormData);
    const after = TimeIdCursor.decode(query.cursor);
    if (query.status || metadata !== null || formData !== null) {
      return {
        sql: `SELECT * FROM workflow_session_page($1::"WorkflowStatus", $2::uuid, $3::timestamptz, $4::timestamptz,
                $5::jsonb, $6::jsonb, $7::timestamptz, $8::uuid, $9::int)`,
        values: [
          query.status ?? null,
          query.creatorId ?? null,
          query.createdFrom ?? null,
          query.createdTo ?? null,
          metadata,
          formData,
          after?.createdAt ?? null,
          after?.id ?? null,
          query.limit + 1,
        ],
      };
    }
    const c = new Conditions();
    c.add(`s.tenant_id = ${c.param(tenantOfContext())}::uuid`);
    if (query.creatorId) c.add(`s.creator_id = ${c.param(query.creatorId)}::uuid`);
    if (query.createdFrom) c.add(`s.created_at >= ${c.param(query.createdFrom)}::timestamptz`);
    if (query.createdTo) c.add(`s.created_at < ${c.param(query.createdTo)}::timestamptz`);
    if (after) {
      c.add(`(s.created_at, s.id) < (${c.param(after.createdAt)}::timestamptz, ${c.param(after.id)}::uuid)`);
    }
    const limit = c.param(query.limit + 1);
    return {
      sql: `SELECT ${SESSION_COLUMNS} FROM workflow_sessions s WHERE ${c.clauses.join(' AND ')}
             ORDER BY s.created_at DESC, s.id DESC LIMIT ${limit}`,
      values: c.values,
    };
  }

  async stats(query: WorkflowCreatedRangeQuery): Promise<WorkflowStatsResponse> {
    const c = new Conditions();
    c.add(`s.tenant_id = ${c.param(tenantOfContext())}::uuid`);
    if (query.createdFrom) c.add(`s.created_at >= ${c.param(query.createdFrom)}::timestamptz`);
    if (query.createdTo) c.add(`s.created_at < ${c.param(query.createdTo)}::timestamptz`);
    const where = c.clauses.join(' AND ');
    const [sessionRows, typeRows] = await Promise.all([
      this.prisma.tenantQuery<{
        active: number;
        completed: number;
        cancelled: number;
        expired: number;
        median: number | null;
      }>(
        `SELECT count(*) FILTER (WHERE s.status = 'ACTIVE')::int AS active,
                count(*) FILTER (WHERE s.status = 'COMPLETED')::int AS completed,
                count(*) FILTER (WHERE s.status = 'CANCELLED')::int AS cancelled,
                count(*) FILTER (WHERE s.status = 'EXPIRED')::int AS expired,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM s.finished_at - s.created_at)::float8)
                  FILTER (WHERE s.status = 'COMPLETED') AS median
           FROM workflow_sessions s WHERE ${where}`,
        c.values,
      ),
      this.prisma.tenantQuery<{
        type: string;
        total: number;
        pending: number;
        accessed: number;
        in_progress: number;
        completed: number;
        declined: number;
        failed: number;
        expired: number;
        median: number | null;
      }>(
        `SELECT r.recipient_type::text AS type, count(*)::int AS total,
                count(*) FILTER (WHERE r.status = 'PENDING')::int AS pending,
                count(*) FILTER (WHERE r.status = 'ACCESSED')::int AS accessed,
                count(*) FILTER (WHERE r.status = 'IN_PROGRESS')::int AS in_progress,
                count(*) FILTER (WHERE r.status = 'COMPLETED')::int AS completed,
                count(*) FILTER (WHERE r.status = 'DECLINED')::int AS declined,
                count(*) FILTER (WHERE r.status = 'FAILED')::int AS failed,
                count(*) FILTER (WHERE r.status = 'EXPIRED')::int AS expired,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM r.completed_at - s.created_at)::float8)
                  FILTER (WHERE r.status = 'COMPLETED') AS median
           FROM recipients r JOIN workflow_sessions s ON s.id = r.session_id
          WHERE ${where} AND r.tenant_id = s.tenant_id
          GROUP BY r.recipient_type ORDER BY r.recipient_type`,
        c.values,
      ),
    ]);
    const s = sessionRows[0];
    const finished = s.completed + s.cancelled + s.expired;
    return {
      total: s.active + finished,
      byStatus: { ACTIVE: s.active, COMPLETED: s.completed, CANCELLED: s.cancelled, EXPIRED: s.expired },
      completionRate: finished ? s.completed / finished : null,
      medianSecondsToComplete: s.median === null ? null : Number(s.median),
      recipientTypes: typeRows.map((t) => ({
        type: t.type,
        total: t.total,
        byStatus: {
          PENDING: t.pending,
          ACCESSED: t.accessed,
          IN_PROGRESS: t.in_progress,
          COMPLETED: t.completed,
          DECLINED: t.declined,
          FAILED: t.failed,
          EXPIRED: t.expired,
        },
        medianSecondsToComplete: t.median === null ? null : Number(t.median),
      })),
    };
  }

  /** The session's audit entries (resource_type 'workflow', resource_id = id), newest first. */
  async auditEvents(id: string, query: PageQueryDto): Promise<AuditEventPage> {
    const tenantId = tenantOfContext();
    const [found] = await this.prisma.tenantQuery<{ id: string }>(
      'SELECT id FROM workflow_sessions WHERE id = $1::uuid',
      [id],
    );
    if (!found) throw workflowNotFound();
    return this.auditLog.list(tenantId, {
      resourceType: 'workflow',
      resourceId: id,
      cursor: query.cursor,
      limit: query.limit,
    });
  }
}
