import { Injectable, Logger } from '@nestjs/common';
import { RequestContext } from '@itinera/platform';
import { PrismaService, type Tx } from '@itinera/prisma';
import { OutboxService, PATIENT_RECORDS_QUEUE } from '@itinera/queues';

/** Grants expired per transaction: bounded, so a backlog never holds locks or one transaction for long. */
export const CONSENT_EXPIRY_BATCH_SIZE = 1000;

/** Tenants expired at the same time by one run (each is one database connection at a time). */
const TENANT_CONCURRENCY = 2;

/** What one consent-expiry run did. */
export interface ConsentExpiryResult {
  tenants: number;
  grants: number;
}

/**
 * Marks ACTIVE grants past period_end EXPIRED (with expired_at). Reads never depended on it (the
 * consent check refuses a grant outside its period whatever its status); this makes the status
 * tell the truth and tells the specialist. Tenants with due grants come from a SECURITY DEFINER
 * lookup; each tenant's grants go in bounded batches, each one transaction of set-based statements
 * in the tenant's scope: the pick (`FOR UPDATE SKIP LOCKED`, so workers share the work and a grant
 * being revoked right now is left to the revocation), the update, one audit row per grant and one
 * 'consent-notify' outbox message per grant. A rerun finds nothing left to do.
 */
@Injectable()
export class ConsentExpiryService {
  private readonly logger = new Logger(ConsentExpiryService.name);

  constructor(
    private readonly prisma: PrismaService,
    private readonly outbox: OutboxService,
  ) {}

  async run(batchSize = CONSENT_EXPIRY_BATCH_SIZE): Promise<ConsentExpiryResult> {
    const tenants = await this.prisma.$queryRaw<{ tenant_id: string }[]>`
      SELECT tenant_id FROM patient_tenants_with_due_work('consent-expiry', now())`;
    const result: ConsentExpiryResult = { tenants: tenants.length, grants: 0 };
    const context = { requestId: RequestContext.get('requestId'), actor: RequestContext.get('actor') };
    const expireTenant = async (tenantId: string) => {
      for (;;) {
        const expired = await this.prisma.tenantTransaction((tx) => this.expireBatch(tx, tenantId, batchSize), {
          tenantId,
          timeoutMs: 60_000,
        });
        result.grants += expired;
        // Fewer than a full batch: nothing left, or the rest is locked by a revocation right now.
        if (expired < batchSize) return;
      }
    };
    // Tenants share nothing (not even an audit chain head), so two run at once; two batches of one
    // tenant would queue on its audit chain head anyway.
    const queue = tenants.map((t) => t.tenant_id);
    await Promise.all(
      Array.from({ length: Math.min(TENANT_CONCURRENCY, queue.length) }, async () => {
        for (let tenantId = queue.shift(); tenantId; tenantId = queue.shift()) {
          const id = tenantId;
          await RequestContext.run({ ...context, tenantId: id }, () => expireTenant(id));
        }
      }),
    );
    if (result.grants) this.logger.log(result, 'consent grants expired');
    return result;
  }

  /** One batch in `tx` (scoped to `tenantId`); returns how many grants it expired. */
  async expireBatch(tx: Tx, tenantId: string, batchSize: number): Promise<number> {
    const expired = await tx.$queryRaw<{ id: string }[]>`
      UPDATE consent_grants g SET status = 'EXPIRED', expired_at = now(), updated_at = now()
       WHERE g.id IN (SELECT id FROM consent_grants
                       WHERE tenant_id = app_current_tenant() AND status = 'ACTIVE' AND period_end <= now()
                       ORDER BY period_end LIMIT ${batchSize} FOR UPDATE SKIP LOCKED)
         AND g.status = 'ACTIVE'
       RETURNING g.id`;
    if (expired.length === 0) return 0;
    const ids = expired.map((row) => row.id);
    await this.auditExpired(tx, ids);
    await this.queueNotices(tx, tenantId, ids);
    return ids.length;
  }

  /** One 'consent-notify' outbox message per grant, in one statement (OutboxService.enqueueMany). */
  private async queueNotices(tx: Tx, tenantId: string, ids: string[]): Promise<void> {
    await this.outbox.enqueueMany(
      tx,
      ids.map((grantId) => ({
        queue: PATIENT_RECORDS_QUEUE,
        job: 'consent-notify' as const,
        data: { tenantId, grantId, kind: 'expired' as const },
      })),
    );
  }

  /**
   * One audit row per grant in one statement (INSERT … SELECT, the columns of libs/audit's insert;
   * the audit trigger chains each row as it would a single insert). Ids, scopes and period only.
   */
  private async auditExpired(tx: Tx, ids: string[]): Promise<void> {
    const actor = RequestContext.get('actor') ?? { type: 'SYSTEM' as const };
    await tx.$executeRaw`
      INSERT INTO audit_log
        (tenant_id, actor_type, actor_id, action, resource_type, resource_id, before, after, metadata, ip, user_agent, request_id)
      SELECT app_current_tenant(), ${actor.type}::"AuditActorType", ${actor.id ?? null}, 'consent-grant.expired',
             'consent-grant', g.id::text, '{"status":"ACTIVE"}'::jsonb,
             jsonb_build_object('status', 'EXPIRED', 'repositoryId', g.repository_id,
                                'specialistUserId', g.specialist_user_id, 'scopes', g.scopes, 'periodEnd', g.period_end),
             NULL, NULL, NULL, ${RequestContext.get('requestId') ?? null}
        FROM consent_grants g JOIN unnest(${ids}::uuid[]) WITH ORDINALITY AS t(id, n) ON t.id = g.id
       ORDER BY t.n`;
  }
}
