import { Injectable, Logger } from '@nestjs/common';
import { AppConfig, RequestContext } from '@itinera/platform';
import { PrismaService, type Tx } from '@itinera/prisma';
import { WebhookPublisher } from '@itinera/integrations';
import { insertSessionAuditRows } from './session-audit.sql';

/** Tenants expired at the same time by one run (each is one database connection at a time). */
export const TENANT_CONCURRENCY = 2;

/** What one expiry run did. */
export interface ExpiryResult {
  tenants: number;
  sessions: number;
  recipients: number;
}

/**
 * Moves ACTIVE sessions past expires_at to EXPIRED, with their unfinished recipients, in bounded
 * batches. Each batch is one transaction of set-based statements in the tenant's scope: the pick
 * (`FOR UPDATE SKIP LOCKED`, so several workers share the work and a session locked by a recipient
 * mid-completion waits for the next run), the sessions' update, the recipients' update, one audit
 * row per session (INSERT … SELECT) and one webhook event per session. Rerunning it finds nothing
 * left to do, so it is idempotent.
 */
@Injectable()
export class WorkflowExpiryService {
  private readonly logger = new Logger(WorkflowExpiryService.name);

  constructor(
    private readonly prisma: PrismaService,
    private readonly config: AppConfig,
    private readonly webhooks: WebhookPublisher,
  ) {}

  async run(): Promise<ExpiryResult> {
    const batchSize = this.config.get('WORKFLOW_EXPIRY_BATCH_SIZE', { infer: true });
    // Which tenants have overdue sessions: a SECURITY DEFINER lookup across tenants; the work
    // itself runs inside each tenant's scope.
    const tenants = await this.prisma.$queryRaw<{ tenant_id: string }[]>`
      SELECT tenant_id FROM workflow_tenants_with_due_work('expiry', now())`;
    const result: ExpiryResult = { tenants: tenants.length, sessions: 0, recipients: 0 };
    const context = { requestId: RequestContext.get('requestId'), actor: RequestContext.get('actor') };
    // Tenants in parallel, TENANT_CONCURRENCY at a time: each batch is one backend's work in
    // PostgreSQL, and tenants share nothing (not even an audit chain head), whereas two batches
    // of one tenant would queue on its audit chain head anyway.
    const queue = tenants.map((t) => t.tenant_id);
    const expireTenant = async (tenantId: string) => {
      for (;;) {
        const batch = await this.prisma.tenantTransaction((tx) => this.expireBatch(tx, batchSize), {
          tenantId,
          timeoutMs: 120_000,
        });
        result.sessions += batch.sessions;
        result.recipients += batch.recipients;
        // Fewer than a full batch: nothing left, or the rest is locked by someone else right now.
        if (batch.sessions < batchSize) return;
      }
    };
    await Promise.all(
      Array.from({ length: Math.min(TENANT_CONCURRENCY, queue.length) }, async () => {
        for (let tenantId = queue.shift(); tenantId; tenantId = queue.shift()) {
          const id = tenantId;
          await RequestContext.run({ ...context, tenantId: id }, () => expireTenant(id));
        }
      }),
    );
    if (result.sessions) this.logger.log(result, 'workflows expired');
    return result;
  }

  /** One batch in `tx` (tenant-scoped); returns how many sessions and recipients it expired. */
  async expireBatch(tx: Tx, batchSize: number): Promise<{ sessions: number; recipients: number }> {
    const expired = await tx.$queryRawUnsafe<{ id: string }[]>(
      `UPDATE workflow_sessions s SET status = 'EXPIRED', finished_at = now()
        WHERE s.id IN (SELECT id FROM workflow_sessions
                        WHERE tenant_id = app_current_tenant() AND status = 'ACTIVE' AND expires_at <= now()
                        ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED)
          AND s.status = 'ACTIVE'
        RETURNING s.id`,
      batchSize,
    );
    if (expired.length === 0) return { sessions: 0, recipients: 0 };
    const ids = expired.map((row) => row.id);
    // Unfinished recipients expire; every link ciphertext of the session goes (the links are dead).
    // Their ids come back only when the tenant subscribes to recipient.expired (a batch has
    // thousands, and nothing else needs them).
    const [{ wanted }] = await tx.$queryRawUnsafe<{ wanted: boolean }[]>(
      `SELECT EXISTS (SELECT 1 FROM webhook_subscriptions
                       WHERE tenant_id = app_current_tenant() AND active AND 'recipient.expired' = ANY (event_types)) AS wanted`,
    );
    const update = `UPDATE recipients
          SET status = CASE WHEN status IN ('PENDING', 'ACCESSED', 'IN_PROGRESS') THEN 'EXPIRED'::"RecipientStatus" ELSE status END,
              token_ciphertext = NULL
        WHERE session_id = ANY ($1::uuid[])
          AND (status IN ('PENDING', 'ACCESSED', 'IN_PROGRESS') OR token_ciphertext IS NOT NULL)`;
    let recipients: { id: string; session_id: string; order_index: number }[] = [];
    let recipientCount: number;
    if (wanted) {
      recipients = await tx.$queryRawUnsafe(
        `WITH changed AS (${update} RETURNING id, session_id, order_index, status)
         SELECT id, session_id, order_index FROM changed WHERE status = 'EXPIRED'`,
        ids,
      );
      recipientCount = recipients.length;
    } else {
      [{ count: recipientCount }] = await tx.$queryRawUnsafe<{ count: number }[]>(
        `WITH changed AS (${update} RETURNING status) SELECT count(*)::int AS count FROM changed WHERE status = 'EXPIRED'`,
        ids,
      );
    }
    await insertSessionAuditRows(tx, ids, {
      action: 'workflow.expired',
      before: { status: 'ACTIVE' },
      after: { status: 'EXPIRED' },
    });
    // One statement for all (the publisher first asks whether the tenant subscribes at all).
    await this.webhooks.publishMany(tx, [
      ...ids.map((workflowId) => ({ type: 'workflow.expired' as const, data: { workflowId, status: 'EXPIRED' } })),
      ...recipients.map((r) => ({
        type: 'recipient.expired' as const,
        data: { workflowId: r.session_id, recipientId: r.id, orderIndex: r.order_index, status: 'EXPIRED' },
      })),
    ]);
    return { sessions: ids.length, recipients: recipientCount };
  }
}
