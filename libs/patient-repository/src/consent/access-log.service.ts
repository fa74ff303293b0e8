import { Injectable } from '@nestjs/common';
import type { AccessOutcome, RecordCategory } from '@prisma/client';
import { TENANT_ADMIN_ROLES, TimeIdCursor, toPage, type Page, type UserPrincipal } from '@itinera/platform';
import { PrismaService, type Tx } from '@itinera/prisma';
import { AuditService } from '@itinera/audit';
import { identityNotVerified, recordNotFound } from '../patient-repository.errors';
import type { AccessLogEntryResponse } from './dto/access-log-entry.response';
import type { ListAccessLogQuery } from './dto/list-access-log.query';

interface AccessLogRow {
  id: string;
  actor_type: string;
  actor_id: string | null;
  actor_role: string | null;
  actor_display_name: string | null;
  action: string;
  categories: RecordCategory[];
  resource_id: string | null;
  grant_id: string | null;
  purpose: string | null;
  outcome: AccessOutcome;
  reason: string | null;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  occurred_at: Date;
}

/**
 * "Who viewed my record": a repository's PHI access log, newest first, for its patient and for the
 * tenant's admins (compliance). Reading the log is not a read of health data, so it is not itself an
 * access-log entry; an admin's reading is audited. The log outlives an erasure (ids only), so admins
 * may still read an erased repository's log; its patient may not.
 */
@Injectable()
export class AccessLogService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly audit: AuditService,
  ) {}

  list(
    principal: UserPrincipal,
    repositoryId: string,
    query: ListAccessLogQuery,
  ): Promise<Page<AccessLogEntryResponse>> {
    return this.prisma.tenantTransaction(async (tx) => {
      const asAdmin = await this.authorize(tx, principal, repositoryId);
      const position = TimeIdCursor.decode(query.cursor);
      const rows = await tx.$queryRaw<AccessLogRow[]>`
        SELECT l.id, l.actor_type, l.actor_id, l.actor_role, u.display_name AS actor_display_name, l.action,
               l.categories::text[] AS categories, l.resource_id, l.grant_id, l.purpose, l.outcome::text AS outcome,
               l.reason, host(l.ip) AS ip, l.user_agent, l.request_id, l.occurred_at
          FROM phi_access_log l
          LEFT JOIN users u ON l.actor_type <> 'API_KEY' AND u.id = l.actor_id
         WHERE l.tenant_id = app_current_tenant() AND l.repository_id = ${repositoryId}::uuid
           AND (${query.outcome ?? null}::"AccessOutcome" IS NULL OR l.outcome = ${query.outcome ?? null}::"AccessOutcome")
           AND (${query.actorId ?? null}::uuid IS NULL OR l.actor_id = ${query.actorId ?? null}::uuid)
           AND (${position?.createdAt ?? null}::timestamptz IS NULL
                OR (l.occurred_at, l.id) < (${position?.createdAt ?? null}::timestamptz, ${position?.id ?? null}::uuid))
         ORDER BY l.occurred_at DESC, l.id DESC
         LIMIT ${query.limit + 1}`;
      if (asAdmin) {
        await this.audit.record(tx, {
          action: 'phi-access-log.read',
          resourceType: 'patient-repository',
          resourceId: repositoryId,
          metadata: { entries: Math.min(rows.length, query.limit) },
        });
      }
      return toPage(
        rows,
        query.limit,
        (r) => TimeIdCursor.cursorOf({ createdAt: r.occurred_at, id: r.id }),
        toAccessLogEntryResponse,
      );
    });
  }

  /** True for a tenant admin, false for the record's own (verified) patient; anyone else is refused. */
  private async authorize(tx: Tx, principal: UserPrincipal, repositoryId: string): Promise<boolean> {
    const [repository] = await tx.$queryRaw<{ patient_user_id: string; status: string }[]>`
      SELECT patient_user_id, status::text AS status FROM patient_repositories WHERE id = ${repositoryId}::uuid`;
    if (!repository) throw recordNotFound();
    if (TENANT_ADMIN_ROLES.includes(principal.role!)) return true;
    if (repository.status === 'ERASED' || repository.patient_user_id !== principal.userId) throw recordNotFound();
    if (repository.status !== 'ACTIVE') throw identityNotVerified();
    return false;
  }
}

function toAccessLogEntryResponse(r: AccessLogRow): AccessLogEntryResponse {
  return {
    id: r.id,
    actorType: r.actor_type,
    actorId: r.actor_id,
    actorRole: r.actor_role,
    actorDisplayName: r.actor_display_name,
    action: r.action,
    categories: r.categories,
    resourceId: r.resource_id,
    grantId: r.grant_id,
    purpose: r.purpose,
    outcome: r.outcome,
    reason: r.reason,
    ip: r.ip,
    userAgent: r.user_agent,
    requestId: r.request_id,
    occurredAt: r.occurred_at,
  };
}
