import { Injectable } from '@nestjs/common';
import type { RecipientStatus, RecipientType, WorkflowStatus } from '@prisma/client';
import { AuditService } from '@itinera/audit';
import { WebhookPublisher } from '@itinera/integrations';
import { PrismaService, type Tx } from '@itinera/prisma';
import { NOTIFICATIONS_QUEUE, OutboxService } from '@itinera/queues';
import { WorkflowLifecycle } from '@itinera/workflows';
import { RecipientFormValidator, type FormData } from '../forms/recipient-form.validator';
import type { DraftSavedResponse, RecipientActionResponse } from './dto/recipient-link.response';
import { linkNotFound, notYourTurn, recipientFinished, verificationRequired } from './recipient-link.errors';
import { RecipientLinkResolver, type ResolvedLink } from './recipient-link.resolver';

interface LockedRecipient {
  id: string;
  status: RecipientStatus;
  order_index: number;
  recipient_type: RecipientType;
  form_schema: unknown;
  form_data: FormData;
}

interface SessionProgress {
  status: WorkflowStatus;
  current_recipient_order: number;
  completed_recipients: number;
  total_recipients: number;
}

const FINISHED: RecipientStatus[] = ['COMPLETED', 'DECLINED'];

/**
 * What a recipient does through their link: save a draft, complete, decline. Each runs in one
 * transaction of the link's tenant that locks the session first and then the recipient (the lock
 * order of every writer), re-checks everything under those locks (session ACTIVE and unexpired,
 * token not replaced, recipient not finished, their turn), and records its audit entry, webhook
 * and outbox jobs in the same transaction.
 */
@Injectable()
export class RecipientActionsService {
  constructor(
    private readonly resolver: RecipientLinkResolver,
    private readonly prisma: PrismaService,
    private readonly lifecycle: WorkflowLifecycle,
    private readonly forms: RecipientFormValidator,
    private readonly audit: AuditService,
    private readonly webhooks: WebhookPublisher,
    private readonly outbox: OutboxService,
  ) {}

  /** PATCH /r/:token/draft: merges and validates as a draft; PENDING/ACCESSED → IN_PROGRESS. */
  async saveDraft(token: string, grant: string | undefined, patch: FormData): Promise<DraftSavedResponse> {
    const link = await this.actionableLink(token, grant);
    if (FINISHED.includes(link.status)) throw recipientFinished(link.status);
    return this.prisma.tenantTransaction(async (tx) => {
      const recipient = await this.lockForAction(tx, link);
      const formData = mergeFormData(recipient.form_data, patch);
      await this.forms.assertValid({
        type: recipient.recipient_type,
        formSchema: recipient.form_schema,
        formData,
        draft: true,
      });
      const [row] = await tx.$queryRawUnsafe<{ status: RecipientStatus }[]>(
        `UPDATE recipients
            SET form_data = $2::jsonb,
                status = CASE WHEN status IN ('PENDING', 'ACCESSED') THEN 'IN_PROGRESS'::"RecipientStatus" ELSE status END,
                accessed_at = coalesce(accessed_at, now())
          WHERE id = $1::uuid RETURNING status`,
        recipient.id,
        JSON.stringify(formData),
      );
      await this.audit.record(tx, {
        action: 'recipient.draft_saved',
        resourceType: 'workflow',
        resourceId: link.sessionId,
        before: { status: recipient.status },
        after: { status: row.status },
        // Field names only: form data is health data and stays out of the audit log.
        metadata: { recipientId: recipient.id, fields: Object.keys(patch) },
      });
      return { status: row.status, formData };
    });
  }

  /**
   * POST /r/:token/complete: only the recipient whose turn it is, exactly once; the whole form is
   * validated for the type. The trigger moves the counters; the session completes after the last
   * recipient, otherwise the next recipient is notified (outbox).
   */
  async complete(link: ResolvedLink, submitted: FormData): Promise<RecipientActionResponse> {
    if (!link.live) throw linkNotFound();
    if (FINISHED.includes(link.status)) throw recipientFinished(link.status);
    return this.prisma.tenantTransaction(async (tx) => {
      const recipient = await this.lockForAction(tx, link, true);
      const formData = mergeFormData(recipient.form_data, submitted);
      await this.forms.assertValid({
        type: recipient.recipient_type,
        formSchema: recipient.form_schema,
        formData,
        draft: false,
      });
      await tx.$executeRawUnsafe(
        `UPDATE recipients
            SET status = 'COMPLETED', completed_at = now(), form_data = $2::jsonb, token_ciphertext = NULL,
                accessed_at = coalesce(accessed_at, now())
          WHERE id = $1::uuid`,
        recipient.id,
        JSON.stringify(formData),
      );
      await this.recordFinish(tx, link, recipient, 'COMPLETED');
      const done = await this.lifecycle.completeIfDone(tx, link.sessionId);
      if (!done) {
        const [next] = await tx.$queryRawUnsafe<{ id: string }[]>(
          `SELECT r.id FROM recipients r JOIN workflow_sessions s ON s.id = r.session_id
            WHERE s.id = $1::uuid AND r.order_index = s.current_recipient_order`,
          link.sessionId,
        );
        if (next) {
          await this.outbox.enqueue(tx, {
            queue: NOTIFICATIONS_QUEUE,
            job: 'recipient-notify',
            data: { tenantId: link.tenantId, recipientId: next.id, kind: 'link' },
          });
        }
      }
      return this.outcome(tx, link, recipient.id, 'COMPLETED');
    });
  }

  /** POST /r/:token/decline: only the recipient whose turn it is; the session stops and the creator is told. */
  async decline(link: ResolvedLink, reason: string): Promise<RecipientActionResponse> {
    if (!link.live) throw linkNotFound();
    if (FINISHED.includes(link.status)) throw recipientFinished(link.status);
    return this.prisma.tenantTransaction(async (tx) => {
      const recipient = await this.lockForAction(tx, link, true);
      await tx.$executeRawUnsafe(
        `UPDATE recipients
            SET status = 'DECLINED', declined_at = now(), decline_reason = $2, token_ciphertext = NULL
          WHERE id = $1::uuid`,
        recipient.id,
        reason,
      );
      await this.recordFinish(tx, link, recipient, 'DECLINED');
      await this.lifecycle.stopAfterDecline(tx, link.sessionId, recipient.id, reason);
      return this.outcome(tx, link, recipient.id, 'DECLINED');
    });
  }

  /**
   * The link, resolved (its tenant and recipient set in the request context); 403 when the
   * recipient must verify and sent no live grant. The actions then fail fast on what the lookup
   * already shows (a finished recipient) and check everything again under their locks.
   */
  async actionableLink(token: string, grant: string | undefined): Promise<ResolvedLink> {
    const link = await this.resolver.resolve(token, grant);
    if (!link.verified) throw verificationRequired();
    return link;
  }

  /**
   * For complete and decline, which take an Idempotency-Key: like `actionableLink`, but a dead link
   * of a known recipient comes back too (with `live` false) so that a retry can be answered from
   * the stored first answer; the action itself answers the dead link's 404.
   */
  async linkForIdempotentAction(
    token: string,
    grant: string | undefined,
    key: string | undefined,
  ): Promise<ResolvedLink> {
    const link =
      key === undefined ? await this.resolver.resolve(token, grant) : await this.resolver.lookup(token, grant);
    if (!link) throw linkNotFound();
    // A dead link says nothing more about itself than an unknown one.
    if (!link.verified) throw link.live ? verificationRequired() : linkNotFound();
    return link;
  }

  /**
   * Locks the session, then the recipient, and checks the action may go on: the 404 of a dead link
   * when the session is no longer ACTIVE, has expired (even before the expiry job ran) or the token
   * was replaced; 409 when the recipient finished, or (`turnRequired`) it is not their turn.
   */
  /** The audit entry and webhook of a recipient finishing (completed or declined), in its transaction. */
  private async recordFinish(
    tx: Tx,
    link: ResolvedLink,
    recipient: LockedRecipient,
    status: 'COMPLETED' | 'DECLINED',
  ): Promise<void> {
    const event = status === 'COMPLETED' ? 'recipient.completed' : 'recipient.declined';
    await this.audit.record(tx, {
      action: event,
      resourceType: 'workflow',
      resourceId: link.sessionId,
      before: { status: recipient.status },
      after: { status },
      metadata: { recipientId: recipient.id, orderIndex: recipient.order_index },
    });
    await this.webhooks.publish(tx, {
      type: event,
      data: { workflowId: link.sessionId, recipientId: recipient.id, orderIndex: recipient.order_index, status },
    });
  }

  private async lockForAction(tx: Tx, link: ResolvedLink, turnRequired = false): Promise<LockedRecipient> {
    const session = await this.lifecycle.lockSession(tx, link.sessionId);
    if (!session || session.status !== 'ACTIVE' || session.expiresAt.getTime() <= Date.now()) throw linkNotFound();
    const [recipient] = await tx.$queryRawUnsafe<LockedRecipient[]>(
      `SELECT id, status, order_index, recipient_type, form_schema, form_data
         FROM recipients WHERE id = $1::uuid AND token_hash = $2 FOR UPDATE`,
      link.recipientId,
      link.tokenHash,
    );
    if (!recipient || recipient.status === 'EXPIRED') throw linkNotFound();
    if (FINISHED.includes(recipient.status)) throw recipientFinished(recipient.status);
    if (turnRequired && recipient.order_index !== session.currentRecipientOrder) throw notYourTurn();
    return recipient;
  }

  private async outcome(
    tx: Tx,
    link: ResolvedLink,
    recipientId: string,
    status: RecipientStatus,
  ): Promise<RecipientActionResponse> {
    const [session] = await tx.$queryRawUnsafe<SessionProgress[]>(
      `SELECT status, current_recipient_order, completed_recipients, total_recipients
         FROM workflow_sessions WHERE id = $1::uuid`,
      link.sessionId,
    );
    return {
      recipientId,
      status,
      workflowStatus: session.status,
      currentRecipientOrder: session.current_recipient_order,
      completed: session.completed_recipients,
      total: session.total_recipients,
    };
  }
}

/** A top-level merge of `patch` into `current`; a field set to null is removed. */
export function mergeFormData(current: FormData, patch: FormData): FormData {
  const merged: FormData = { ...(current ?? {}) };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete merged[key];
    // An own property even for `__proto__`, so validation sees (and refuses) every key sent.
    else Object.defineProperty(merged, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return merged;
}
