import { Injectable } from '@nestjs/common';
import { isIP } from 'node:net';
import { RequestContext } from '@itinera/platform';
import { currentScope, PrismaService, type Tx } from '@itinera/prisma';
import type { AuditEventInput } from './audit-event';

const INSERT_SQL = `INSERT INTO audit_log
  (tenant_id, actor_type, actor_id, action, resource_type, resource_id, before, after, metadata, ip, user_agent, request_id)
  VALUES ($1::uuid, $2::"AuditActorType", $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9::jsonb, $10::inet, $11, $12)`;

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
  async record(tx: Tx, event: AuditEventInput): Promise<void> {
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

  private values(event: AuditEventInput): unknown[] {
    const context = currentScope(undefined, true);
    const tenantId = event.tenantId === undefined ? (context.tenantId ?? null) : event.tenantId;
    const actor = event.actor ?? RequestContext.get('actor') ?? { type: 'SYSTEM' as const };
    const ip = event.ip ?? RequestContext.get('ip');
    const userAgent = event.userAgent ?? RequestContext.get('userAgent');
    return [
      tenantId,
      actor.type,
      actor.id ?? null,
      event.action,
      event.resourceType ?? null,
      event.resourceId ?? null,
      json(event.before),
      json(event.after),
      json(event.metadata),
      ip && isIP(ip) ? ip : null,
      userAgent ? userAgent.slice(0, 500) : null,
      RequestContext.get('requestId') ?? null,
    ];
  }
}

function json(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}
