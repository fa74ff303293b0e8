import { Injectable } from '@nestjs/common';
import { isIP } from 'node:net';
import { RequestContext } from '@itinera/platform';
import { currentScope, PrismaService, type SqlTx } from '@itinera/prisma';
import type { AuditEventInput } from './audit-event';

const INSERT_SQL = `INSERT INTO audit_log
  (tenant_id, actor_type, actor_id, action, resource_type, resource_id, before, after, metadata, ip, user_agent, request_id)
  VALUES ($1::uuid, $2::"AuditActorType", $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9::jsonb, $10::inet, $11, $12)`;

/** Several entries in one statement, in the order given (the chain trigger seals them one by one). */
const INSERT_MANY_SQL = `INSERT INTO audit_log
  (tenant_id, actor_type, actor_id, action, resource_type, resource_id, before, after, metadata, ip, user_agent, request_id)
  SELECT e.tenant_id, e.actor_type::"AuditActorType", e.actor_id, e.action, e.resource_type, e.resource_id,
         e.before, e.after, e.metadata, e.ip::inet, e.user_agent, e.request_id
    FROM jsonb_to_recordset($1::jsonb) AS e(n int, tenant_id uuid, actor_type text, actor_id text, action text,
           resource_type text, resource_id text, before jsonb, after jsonb, metadata jsonb, ip text,
           user_agent text, request_id text)
   ORDER BY e.n`;

/** What one entry writes, column by column (JSON columns as values, not text). */
interface AuditRow {
  tenant_id: string | null;
  actor_type: string;
  actor_id: string | null;
  action: string;
  resource_type: string | null;
  resource_id: string | null;
  before: unknown;
  after: unknown;
  metadata: unknown;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
}

/**
 * Writes audit entries. `record(tx, …)` inside the transaction of the change it describes (so the
 * entry exists exactly when the change does); `recordAlone(…)` for events with no change to join,
 * such as a failed sign-in. The database chains and seals each entry (see the migration), and
 * refuses UPDATE and DELETE on the log.
 */
@Injectable()
export class AuditService {
  constructor(private readonly prisma: PrismaService) {}

  /** In the caller's transaction, which must be tenant-scoped for tenant entries (row-level security). */
  async record(tx: SqlTx, event: AuditEventInput): Promise<void> {
    await tx.$executeRawUnsafe(INSERT_SQL, ...this.values(event));
  }

  /** In a transaction of its own, scoped to the entry's tenant. */
  async recordAlone(event: AuditEventInput): Promise<void> {
    const values = this.values(event);
    const tenantId = values[0] as string | null;
    await this.prisma.transaction(async (tx) => {
      if (tenantId) await tx.$queryRawUnsafe("SELECT set_config('app.tenant_id', $1, true)", tenantId);
      await tx.$executeRawUnsafe(INSERT_SQL, ...values);
    });
  }

  /**
   * The statement that writes `events` (in their order, in one INSERT) with the context's tenant,
   * actor, IP, user agent and request id as `record` would, for a caller that sends it itself: in a
   * PgTransaction batch, or with the COMMIT, so that the tenant's chain lock is held for one round trip.
   */
  statementFor(events: AuditEventInput[]): { text: string; values: unknown[] } {
    return { text: INSERT_MANY_SQL, values: [JSON.stringify(events.map((event, n) => ({ n, ...this.row(event) })))] };
  }

  private values(event: AuditEventInput): unknown[] {
    const row = this.row(event);
    return [
      row.tenant_id,
      row.actor_type,
      row.actor_id,
      row.action,
      row.resource_type,
      row.resource_id,
      json(row.before),
      json(row.after),
      json(row.metadata),
      row.ip,
      row.user_agent,
      row.request_id,
    ];
  }

  private row(event: AuditEventInput): AuditRow {
    const context = currentScope(undefined, true);
    const tenantId = event.tenantId === undefined ? (context.tenantId ?? null) : event.tenantId;
    const actor = event.actor ?? RequestContext.get('actor') ?? { type: 'SYSTEM' as const };
    const ip = event.ip ?? RequestContext.get('ip');
    const userAgent = event.userAgent ?? RequestContext.get('userAgent');
    return {
      tenant_id: tenantId,
      actor_type: actor.type,
      actor_id: actor.id ?? null,
      action: event.action,
      resource_type: event.resourceType ?? null,
      resource_id: event.resourceId ?? null,
      before: event.before ?? null,
      after: event.after ?? null,
      metadata: event.metadata ?? null,
      ip: ip && isIP(ip) ? ip : null,
      user_agent: userAgent ? userAgent.slice(0, 500) : null,
      request_id: RequestContext.get('requestId') ?? null,
    };
  }
}

function json(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}
