import { Injectable } from '@nestjs/common';
import { PrismaService } from '@itinera/prisma';
import { buildAuditEventQuery, type AuditEventFilter, type AuditEventQueryOptions } from './audit-log-query';
import type { AuditEventRow } from './dto/audit-event.response';

/** The first entry of a chain that does not verify, as audit_log_verify() reports it. */
export interface AuditMismatchRow {
  /** Null when the chain's head, not an entry, is what does not match. */
  id: string | null;
  seq: string;
  problem: string;
}

/** A chain and its first mismatch (none when intact). */
export interface AuditChainRow {
  tenantId: string | null;
  mismatch: AuditMismatchRow | null;
}

/**
 * The read side of the audit log, the only code of the HTTP layer that runs SQL. Tenant reads go
 * through `tenantQuery` with the tenant set, so row-level security applies on top of the explicit
 * `tenant_id` condition; each read is one round trip (scope and statement in one string).
 */
@Injectable()
export class AuditLogRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** One batch of a tenant's entries, newest first. */
  page(tenantId: string, filter: AuditEventFilter, options: AuditEventQueryOptions): Promise<AuditEventRow[]> {
    const { sql, values } = buildAuditEventQuery(tenantId, filter, options);
    return this.prisma.tenantQuery<AuditEventRow>(sql, values, { tenantId });
  }

  /** The last position of a tenant's chain now ('0' when it has none): an export's snapshot. */
  async lastSeq(tenantId: string): Promise<string> {
    const [row] = await this.prisma.tenantQuery<{ seq: string }>(
      'SELECT COALESCE(max(seq), 0)::text AS seq FROM audit_log WHERE tenant_id = $1::uuid',
      [tenantId],
      { tenantId },
    );
    return row.seq;
  }

  /** Verifies a tenant's chain (audit_log_verify runs as its definer and reads the whole chain). */
  async verifyTenant(tenantId: string): Promise<AuditMismatchRow | null> {
    const [row] = await this.prisma.tenantQuery<AuditMismatchRow>(
      'SELECT id, seq::text AS seq, problem FROM audit_log_verify($1::uuid)',
      [tenantId],
      { tenantId },
    );
    return row ?? null;
  }

  /** Verifies the platform chain (tenant_id null). */
  async verifyPlatform(): Promise<AuditMismatchRow | null> {
    const [row] = await this.prisma.tenantQuery<AuditMismatchRow>(
      'SELECT id, seq::text AS seq, problem FROM audit_log_verify(NULL)',
      [],
      { scope: 'platform' },
    );
    return row ?? null;
  }

  /**
   * Verifies the chains of up to `limit` tenants of the registry whose id follows `afterId`, in id
   * order, in one statement; tenants with no entries are included (and intact).
   */
  async verifyTenantsAfter(afterId: string | null, limit: number): Promise<AuditChainRow[]> {
    const rows = await this.prisma.tenantQuery<{
      tenant_id: string;
      id: string | null;
      seq: string | null;
      problem: string | null;
    }>(
      `SELECT t.id AS tenant_id, v.id, v.seq::text AS seq, v.problem
       FROM (SELECT id FROM tenants WHERE $1::uuid IS NULL OR id > $1::uuid ORDER BY id LIMIT $2) t
       LEFT JOIN LATERAL audit_log_verify(t.id) v ON true
       ORDER BY t.id`,
      [afterId, limit],
      { scope: 'platform' },
    );
    return rows.map((r) => ({
      tenantId: r.tenant_id,
      mismatch: r.problem === null ? null : { id: r.id, seq: r.seq ?? '0', problem: r.problem },
    }));
  }
}
