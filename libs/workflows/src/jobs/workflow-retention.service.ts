import { Injectable, Logger } from '@nestjs/common';
import { AppConfig, RequestContext, StorageService } from '@itinera/platform';
import { PrismaService, type Tx } from '@itinera/prisma';
import { insertSessionAuditRows } from './session-audit.sql';

/** What one retention run did. */
export interface RetentionResult {
  tenants: number;
  sessions: number;
  attachments: number;
  /** Attachment contents the storage could not delete (logged; the rows stay marked purged). */
  deleteFailures: number;
}

/** Sessions per retention transaction. */
export const RETENTION_BATCH_SIZE = 1_000;

/**
 * Purges what finished sessions hold beyond their record, WORKFLOW_RETENTION_DAYS after they
 * finished, unless they are on legal hold: recipients' form data (to `{}`) and link ciphertexts,
 * attachment contents (rows marked `purged_at`, objects deleted from storage after the commit).
 * The session row, its counters, the recipients' statuses and the audit trail stay; each purged
 * session gets one `workflow.purged` audit entry. Batches pick with SKIP LOCKED like expiry.
 */
@Injectable()
export class WorkflowRetentionService {
  private readonly logger = new Logger(WorkflowRetentionService.name);

  constructor(
    private readonly prisma: PrismaService,
    private readonly config: AppConfig,
    private readonly storage: StorageService,
  ) {}

  async run(now = new Date()): Promise<RetentionResult> {
    const days = this.config.get('WORKFLOW_RETENTION_DAYS', { infer: true });
    const cutoff = new Date(now.getTime() - days * 86_400_000);
    const tenants = await this.prisma.$queryRaw<{ tenant_id: string }[]>`
      SELECT tenant_id FROM workflow_tenants_with_due_work('retention', ${cutoff})`;
    const result: RetentionResult = { tenants: tenants.length, sessions: 0, attachments: 0, deleteFailures: 0 };
    for (const { tenant_id: tenantId } of tenants) {
      await RequestContext.run(
        { requestId: RequestContext.get('requestId'), actor: RequestContext.get('actor'), tenantId },
        async () => {
          for (;;) {
            const batch = await this.prisma.tenantTransaction(
              (tx) => this.purgeBatch(tx, cutoff, RETENTION_BATCH_SIZE),
              {
                tenantId,
                timeoutMs: 60_000,
              },
            );
            result.sessions += batch.sessions;
            result.attachments += batch.keys.length;
            // After the commit: the rows say purged whether or not a delete below fails.
            for (const key of batch.keys) {
              try {
                await this.storage.delete(key);
              } catch (error) {
                result.deleteFailures++;
                this.logger.error({ err: error, tenantId, key }, 'could not delete a purged attachment');
              }
            }
            if (batch.sessions < RETENTION_BATCH_SIZE) break;
          }
        },
      );
    }
    if (result.sessions) this.logger.log(result, 'finished workflows purged');
    return result;
  }

  /** One batch in `tx` (tenant-scoped): the sessions purged and the storage keys to delete. */
  async purgeBatch(tx: Tx, cutoff: Date, batchSize: number): Promise<{ sessions: number; keys: string[] }> {
    const sessions = await tx.$queryRawUnsafe<{ id: string }[]>(
      `UPDATE workflow_sessions s SET purged_at = now()
        WHERE s.id IN (SELECT id FROM workflow_sessions
                        WHERE tenant_id = app_current_tenant() AND status <> 'ACTIVE' AND purged_at IS NULL
                          AND finished_at <= $1::timestamptz AND NOT legal_hold
                        ORDER BY finished_at LIMIT $2 FOR UPDATE SKIP LOCKED)
          AND s.purged_at IS NULL AND NOT s.legal_hold
        RETURNING s.id`,
      cutoff,
      batchSize,
    );
    if (sessions.length === 0) return { sessions: 0, keys: [] };
    const ids = sessions.map((row) => row.id);
    await tx.$executeRawUnsafe(
      `UPDATE recipients SET form_data = '{}'::jsonb, token_ciphertext = NULL
        WHERE session_id = ANY ($1::uuid[]) AND (form_data <> '{}'::jsonb OR token_ciphertext IS NOT NULL)`,
      ids,
    );
    await tx.$executeRawUnsafe(
      `UPDATE recipient_verifications v SET code_ciphertext = NULL
         FROM recipients r
        WHERE r.id = v.recipient_id AND r.session_id = ANY ($1::uuid[]) AND v.code_ciphertext IS NOT NULL`,
      ids,
    );
    const attachments = await tx.$queryRawUnsafe<{ session_id: string; s3_key: string }[]>(
      `UPDATE attachments SET purged_at = now()
        WHERE session_id = ANY ($1::uuid[]) AND purged_at IS NULL
        RETURNING session_id, s3_key`,
      ids,
    );
    await insertSessionAuditRows(tx, ids, {
      action: 'workflow.purged',
      metadata: { retentionDays: this.config.get('WORKFLOW_RETENTION_DAYS', { infer: true }) },
    });
    return { sessions: ids.length, keys: attachments.map((a) => a.s3_key) };
  }
}
