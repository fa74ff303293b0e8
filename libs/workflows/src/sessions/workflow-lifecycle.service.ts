import { Injectable } from '@nestjs/common';
import type { Tx } from '@itinera/prisma';
import { AuditService } from '@itinera/audit';
import { OutboxService, NOTIFICATIONS_QUEUE } from '@itinera/queues';
import { WebhookPublisher } from '@itinera/integrations';
import { workflowNotActive, workflowNotFound } from './workflow.errors';

/** A session row locked FOR UPDATE by the caller's transaction. */
export interface LockedSession {
  id: string;
  tenantId: string;
  status: 'ACTIVE' | 'COMPLETED' | 'CANCELLED' | 'EXPIRED';
  expiresAt: Date;
  currentRecipientOrder: number;
  totalRecipients: number;
  completedRecipients: number;
  creatorId: string;
  creatorType: string;
}

interface LockedSessionRow {
  id: string;
  tenant_id: string;
  status: LockedSession['status'];
  expires_at: Date;
  current_recipient_order: number;
  total_recipients: number;
  completed_recipients: number;
  creator_id: string;
  creator_type: string;
}

const LOCKED_COLUMNS = `id, tenant_id, status, expires_at, current_recipient_order, total_recipients,
  completed_recipients, creator_id, creator_type`;

const toLocked = (r: LockedSessionRow): LockedSession => ({
  id: r.id,
  tenantId: r.tenant_id,
  status: r.status,
  expiresAt: r.expires_at,
  currentRecipientOrder: r.current_recipient_order,
  totalRecipients: r.total_recipients,
  completedRecipients: r.completed_recipients,
  creatorId: r.creator_id,
  creatorType: r.creator_type,
});

/**
 * The session's status machine, for code that changes a session inside its own transaction (the
 * recipients' completion and decline, cancel). Every transition is a conditional UPDATE
 * (`WHERE status = 'ACTIVE'`): ACTIVE → COMPLETED | CANCELLED | EXPIRED and nothing else. The
 * progress counters are the database trigger's; nothing here writes them.
 *
 * Lock order everywhere: the session first (`lockSession`), then its recipients.
 */
@Injectable()
export class WorkflowLifecycle {
  constructor(
    private readonly audit: AuditService,
    private readonly outbox: OutboxService,
    private readonly webhooks: WebhookPublisher,
  ) {}

  /** SELECT … FOR UPDATE of the session in `tx`; null when it does not exist in the tenant. */
  async lockSession(tx: Tx, sessionId: string): Promise<LockedSession | null> {
    const [row] = await tx.$queryRawUnsafe<LockedSessionRow[]>(
      `SELECT ${LOCKED_COLUMNS} FROM workflow_sessions WHERE id = $1::uuid FOR UPDATE`,
      sessionId,
    );
    return row ? toLocked(row) : null;
  }

  /**
   * After a recipient completed in `tx` (the trigger has recounted by then): when every recipient
   * has completed, ACTIVE → COMPLETED with its audit entry, webhook and creator notification.
   * Returns whether this call completed the session.
   */
  async completeIfDone(tx: Tx, sessionId: string): Promise<boolean> {
    const [row] = await tx.$queryRawUnsafe<LockedSessionRow[]>(
      `UPDATE workflow_sessions SET status = 'COMPLETED', finished_at = now()
        WHERE id = $1::uuid AND status = 'ACTIVE' AND completed_recipients = total_recipients
        RETURNING ${LOCKED_COLUMNS}`,
      sessionId,
    );
    if (!row) return false;
    await this.audit.record(tx, {
      action: 'workflow.completed',
      resourceType: 'workflow',
      resourceId: sessionId,
      before: { status: 'ACTIVE' },
      after: { status: 'COMPLETED', completedRecipients: row.completed_recipients },
    });
    await this.webhooks.publish(tx, {
      type: 'workflow.completed',
      data: { workflowId: sessionId, status: 'COMPLETED' },
    });
    await this.outbox.enqueue(tx, {
      queue: NOTIFICATIONS_QUEUE,
      job: 'creator-notify',
      data: { tenantId: row.tenant_id, sessionId, kind: 'completed' },
    });
    return true;
  }

  /**
   * A recipient declined in `tx`: the session stops, ACTIVE → CANCELLED with the reason, its links
   * die (their ciphertexts are erased), and the creator is told. 409 when the session is not ACTIVE.
   */
  async stopAfterDecline(tx: Tx, sessionId: string, recipientId: string, reason: string): Promise<void> {
    const [recipient] = await tx.$queryRawUnsafe<{ order_index: number }[]>(
      'SELECT order_index FROM recipients WHERE id = $1::uuid AND session_id = $2::uuid',
      recipientId,
      sessionId,
    );
    if (!recipient) throw workflowNotFound();
    const cancelReason = `declined by recipient ${recipient.order_index}: ${reason}`.slice(0, 500);
    const row = await this.cancelActive(tx, sessionId, cancelReason);
    await this.audit.record(tx, {
      action: 'workflow.cancelled',
      resourceType: 'workflow',
      resourceId: sessionId,
      before: { status: 'ACTIVE' },
      after: { status: 'CANCELLED', cancelReason },
      metadata: { cause: 'declined', recipientId },
    });
    await this.webhooks.publish(tx, {
      type: 'workflow.cancelled',
      data: { workflowId: sessionId, status: 'CANCELLED' },
    });
    await this.outbox.enqueue(tx, {
      queue: NOTIFICATIONS_QUEUE,
      job: 'creator-notify',
      data: { tenantId: row.tenantId, sessionId, kind: 'declined' },
    });
  }

  /**
   * ACTIVE → CANCELLED (finished_at, cancel_reason) and the session's link ciphertexts erased;
   * unfinished recipients keep their status (their links die because the session is not ACTIVE).
   * 404 when the session is missing, 409 when it is not ACTIVE.
   */
  async cancelActive(tx: Tx, sessionId: string, reason: string | null): Promise<LockedSession> {
    const [row] = await tx.$queryRawUnsafe<LockedSessionRow[]>(
      `UPDATE workflow_sessions SET status = 'CANCELLED', finished_at = now(), cancel_reason = $2
        WHERE id = $1::uuid AND status = 'ACTIVE'
        RETURNING ${LOCKED_COLUMNS}`,
      sessionId,
      reason,
    );
    if (!row) {
      const [current] = await tx.$queryRawUnsafe<{ status: string }[]>(
        'SELECT status FROM workflow_sessions WHERE id = $1::uuid',
        sessionId,
      );
      if (!current) throw workflowNotFound();
      throw workflowNotActive(current.status);
    }
    await tx.$executeRawUnsafe(
      'UPDATE recipients SET token_ciphertext = NULL WHERE session_id = $1::uuid AND token_ciphertext IS NOT NULL',
      sessionId,
    );
    return toLocked(row);
  }
}
