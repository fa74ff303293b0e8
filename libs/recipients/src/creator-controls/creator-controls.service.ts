import { Injectable } from '@nestjs/common';
import { AuditService } from '@itinera/audit';
import {
  AppConfig,
  KeyRing,
  maskAddress,
  newLinkToken,
  TimeIdCursor,
  toPage,
  type Page,
  type PageQueryDto,
  type Principal,
} from '@itinera/platform';
import { PrismaService, type Tx } from '@itinera/prisma';
import { NOTIFICATIONS_QUEUE, OutboxService } from '@itinera/queues';
import { WorkflowAccess, WorkflowLifecycle, workflowNotFound, type LockedSession } from '@itinera/workflows';
import { contactRequired, recipientFinished, recipientNotFound, workflowNotLive } from './creator-controls.errors';
import type { ReassignRecipientDto } from './dto/reassign-recipient.dto';
import type {
  NotificationMessageResponse,
  ReassignedRecipientResponse,
  RecipientAssignmentResponse,
  RecipientNotificationsResponse,
  RenewedLinkResponse,
} from './dto/creator-controls.response';

const UNFINISHED = new Set(['PENDING', 'ACCESSED', 'IN_PROGRESS']);

interface LockedRecipient {
  id: string;
  status: string;
  order_index: number;
  name: string | null;
  email: string | null;
  phone: string | null;
}

/**
 * The creator's controls over a session's recipients (its creator or a tenant OWNER/ADMIN):
 * resend a link, reassign a recipient, and read their notification state and assignment history.
 *
 * A new link replaces the token hash in the same transaction, so the old link is dead the moment
 * it commits. Lock order as everywhere: the session, then the recipient.
 */
@Injectable()
export class CreatorControlsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly access: WorkflowAccess,
    private readonly lifecycle: WorkflowLifecycle,
    private readonly audit: AuditService,
    private readonly outbox: OutboxService,
    private readonly keyRing: KeyRing,
    private readonly config: AppConfig,
  ) {}

  /**
   * A new link for an unfinished recipient of an ACTIVE, unexpired session; sent to them now if it
   * is their turn. Reminder and delivery counters stay (the same person, who may have been reminded).
   */
  async resend(principal: Principal, sessionId: string, recipientId: string): Promise<RenewedLinkResponse> {
    await this.access.assertCanManage(principal, sessionId);
    return this.prisma.tenantTransaction(async (tx) => {
      const { session, recipient } = await this.lockLive(tx, sessionId, recipientId);
      const { token, hash } = newLinkToken();
      const [updated] = await tx.$queryRawUnsafe<{ token_issued_at: Date; status: string }[]>(
        `UPDATE recipients SET token_hash = $2, token_ciphertext = $3, token_issued_at = now()
          WHERE id = $1::uuid RETURNING token_issued_at, status`,
        recipientId,
        hash,
        this.keyRing.encrypt(token, recipientId),
      );
      const notified = await this.notifyIfTheirTurn(tx, session, recipient);
      await this.audit.record(tx, {
        action: 'recipient.link_resent',
        resourceType: 'workflow',
        resourceId: sessionId,
        metadata: { recipientId, orderIndex: recipient.order_index, notified },
      });
      return {
        recipientId,
        link: this.linkOf(token),
        tokenIssuedAt: updated.token_issued_at,
        notified,
        status: updated.status,
      };
    });
  }

  /**
   * Hands a recipient's step to another person or contact: the previous one is kept in
   * recipient_assignments, the recipient starts over (PENDING, no draft, no verification, fresh
   * notification counters) with a new link, and messages still queued for the old contact are
   * dropped. The contacts given replace the old ones; the name is kept unless a new one is given.
   */
  async reassign(
    principal: Principal,
    sessionId: string,
    recipientId: string,
    body: ReassignRecipientDto,
  ): Promise<ReassignedRecipientResponse> {
    // Existence and permission first: another tenant's ids answer 404 whatever the body.
    await this.access.assertCanManage(principal, sessionId);
    const replacedBy = principal.kind === 'user' ? principal.userId : principal.apiKeyId;
    return this.prisma.tenantTransaction(async (tx) => {
      const { session, recipient } = await this.lockLive(tx, sessionId, recipientId);
      if (!body.email && !body.phone) throw contactRequired();
      const [assignment] = await tx.$queryRawUnsafe<{ id: string }[]>(
        `INSERT INTO recipient_assignments (tenant_id, recipient_id, name, email, phone, reason, replaced_by)
         VALUES ($1::uuid, $2::uuid, $3, $4, $5, $6, $7::uuid) RETURNING id`,
        session.tenantId,
        recipientId,
        recipient.name,
        recipient.email,
        recipient.phone,
        body.reason ?? null,
        replacedBy,
      );
      const { token, hash } = newLinkToken();
      const [updated] = await tx.$queryRawUnsafe<{ token_issued_at: Date; status: string }[]>(
        `UPDATE recipients
            SET name = coalesce($2, name), email = $3, phone = $4,
                token_hash = $5, token_ciphertext = $6, token_issued_at = now(),
                status = 'PENDING', accessed_at = NULL, form_data = '{}',
                reminder_count = 0, last_reminded_at = NULL, retry_count = 0, error_message = NULL,
                email_sent_at = NULL, sms_sent_at = NULL
          WHERE id = $1::uuid
          RETURNING token_issued_at, status`,
        recipientId,
        body.name ?? null,
        body.email?.toLowerCase() ?? null,
        body.phone ?? null,
        hash,
        this.keyRing.encrypt(token, recipientId),
      );
      // The previous person's codes and grants end with their assignment.
      await tx.$executeRawUnsafe('DELETE FROM recipient_verifications WHERE recipient_id = $1::uuid', recipientId);
      await tx.$executeRawUnsafe(
        `UPDATE notification_messages SET status = 'FAILED', last_error = 'recipient reassigned'
          WHERE recipient_id = $1::uuid AND status = 'QUEUED'`,
        recipientId,
      );
      const notified = await this.notifyIfTheirTurn(tx, session, recipient);
      // Contacts stay out of the audit log: ids and states only.
      await this.audit.record(tx, {
        action: 'recipient.reassigned',
        resourceType: 'workflow',
        resourceId: sessionId,
        before: { status: recipient.status },
        after: { status: updated.status },
        metadata: { recipientId, assignmentId: assignment.id, orderIndex: recipient.order_index, notified },
      });
      return {
        recipientId,
        assignmentId: assignment.id,
        link: this.linkOf(token),
        tokenIssuedAt: updated.token_issued_at,
        notified,
        status: updated.status,
      };
    });
  }

  /** The recipient's notification state and its messages, newest first. */
  async notifications(
    principal: Principal,
    sessionId: string,
    recipientId: string,
    query: PageQueryDto,
  ): Promise<RecipientNotificationsResponse> {
    await this.access.assertCanManage(principal, sessionId);
    const recipient = await this.prisma.scoped.recipient.findFirst({
      where: { id: recipientId, sessionId },
      select: {
        id: true,
        emailSentAt: true,
        smsSentAt: true,
        reminderCount: true,
        lastRemindedAt: true,
        retryCount: true,
        errorMessage: true,
      },
    });
    if (!recipient) throw recipientNotFound();
    const after = TimeIdCursor.decode(query.cursor);
    const rows = await this.prisma.scoped.notificationMessage.findMany({
      where: { recipientId, ...TimeIdCursor.after(after, 'desc') },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: query.limit + 1,
    });
    const page = toPage(rows, query.limit, TimeIdCursor.cursorOf, (m): NotificationMessageResponse => ({
      id: m.id,
      kind: m.kind,
      channel: m.channel,
      to: maskAddress(m.toAddress),
      status: m.status,
      attempts: m.attempts,
      lastError: m.lastError,
      sentAt: m.sentAt,
      createdAt: m.createdAt,
    }));
    const { id, ...state } = recipient;
    return { state: { recipientId: id, ...state }, ...page };
  }

  /** The recipient's previous assignments, most recently replaced first. */
  async assignments(
    principal: Principal,
    sessionId: string,
    recipientId: string,
    query: PageQueryDto,
  ): Promise<Page<RecipientAssignmentResponse>> {
    await this.access.assertCanManage(principal, sessionId);
    const recipient = await this.prisma.scoped.recipient.findFirst({
      where: { id: recipientId, sessionId },
      select: { id: true },
    });
    if (!recipient) throw recipientNotFound();
    const after = TimeIdCursor.decode(query.cursor);
    const rows = await this.prisma.scoped.recipientAssignment.findMany({
      where: {
        recipientId,
        ...(after
          ? {
              OR: [{ replacedAt: { lt: after.createdAt } }, { replacedAt: after.createdAt, id: { lt: after.id } }],
            }
          : {}),
      },
      orderBy: [{ replacedAt: 'desc' }, { id: 'desc' }],
      take: query.limit + 1,
    });
    return toPage(
      rows,
      query.limit,
      (a) => TimeIdCursor.cursorOf({ createdAt: a.replacedAt, id: a.id }),
      (a): RecipientAssignmentResponse => ({
        id: a.id,
        name: a.name,
        email: a.email,
        phone: a.phone,
        reason: a.reason,
        replacedBy: a.replacedBy,
        replacedAt: a.replacedAt,
      }),
    );
  }

  /** Locks the session (ACTIVE and unexpired, else 409) and then the recipient (unfinished, else 409). */
  private async lockLive(
    tx: Tx,
    sessionId: string,
    recipientId: string,
  ): Promise<{ session: LockedSession; recipient: LockedRecipient }> {
    const session = await this.lifecycle.lockSession(tx, sessionId);
    if (!session) throw workflowNotFound();
    const [recipient] = await tx.$queryRawUnsafe<LockedRecipient[]>(
      `SELECT id, status, order_index, name, email, phone FROM recipients
        WHERE id = $1::uuid AND session_id = $2::uuid FOR UPDATE`,
      recipientId,
      sessionId,
    );
    if (!recipient) throw recipientNotFound();
    const expired = session.expiresAt.getTime() <= Date.now();
    if (session.status !== 'ACTIVE' || expired) throw workflowNotLive(session.status, expired);
    if (!UNFINISHED.has(recipient.status)) throw recipientFinished(recipient.status);
    return { session, recipient };
  }

  /** Queues the link for the recipient if it is their turn (otherwise the hand-over sends it). */
  private async notifyIfTheirTurn(tx: Tx, session: LockedSession, recipient: LockedRecipient): Promise<boolean> {
    if (recipient.order_index !== session.currentRecipientOrder) return false;
    await this.outbox.enqueue(tx, {
      queue: NOTIFICATIONS_QUEUE,
      job: 'recipient-notify',
      data: { tenantId: session.tenantId, recipientId: recipient.id, kind: 'link' },
    });
    return true;
  }

  private linkOf(token: string): string {
    return `${this.config.get('PUBLIC_BASE_URL', { infer: true }).replace(/\/+$/, '')}/r/${token}`;
  }
}
