import { Injectable, Logger } from '@nestjs/common';
import { PrismaService } from '@itinera/prisma';
import type { CreatorNotifyData, RecipientNotifyData } from '@itinera/queues';
import { messagesFor, NotificationMessagesRepository } from './notification-messages.repository';

interface RecipientState {
  id: string;
  tenant_id: string;
  session_id: string;
  email: string | null;
  phone: string | null;
  status: string;
  order_index: number;
  has_link: boolean;
  session_status: string;
  session_live: boolean;
  current_recipient_order: number;
  already_sent: boolean;
}

/** What a notify job did, for its log line and the job's return value. */
export interface NotifyOutcome {
  queued: number;
  skipped?: string;
}

const UNFINISHED = new Set(['PENDING', 'ACCESSED', 'IN_PROGRESS']);

/**
 * Turns "tell someone" jobs into notification_messages rows (one per contact) and their send jobs.
 * Reruns are harmless: the recipient row is locked, and a message of the same kind recorded since
 * the link was issued (`link`) or since the last reminder (`reminder`) means the work is done.
 */
@Injectable()
export class RecipientNotifyService {
  private readonly logger = new Logger(RecipientNotifyService.name);

  constructor(
    private readonly prisma: PrismaService,
    private readonly messages: NotificationMessagesRepository,
  ) {}

  /** `recipient-notify`: only the current, unfinished recipient of an ACTIVE, unexpired session is told. */
  notifyRecipient(data: RecipientNotifyData): Promise<NotifyOutcome> {
    return this.prisma.tenantTransaction(
      async (tx) => {
        // Only the recipient row is locked (not the session): a completion, which locks session then
        // recipient, never waits on us while we wait on it.
        const [r] = await tx.$queryRawUnsafe<RecipientState[]>(
          `SELECT r.id, r.tenant_id, r.session_id, r.email, r.phone, r.status, r.order_index,
                  r.token_ciphertext IS NOT NULL AS has_link,
                  s.status AS session_status, s.expires_at > now() AS session_live, s.current_recipient_order,
                  EXISTS (SELECT 1 FROM notification_messages m
                           WHERE m.recipient_id = r.id AND m.kind = $2
                             AND m.created_at >= CASE WHEN $2 = 'reminder'
                                                      THEN coalesce(r.last_reminded_at, r.token_issued_at)
                                                      ELSE r.token_issued_at END) AS already_sent
             FROM recipients r JOIN workflow_sessions s ON s.id = r.session_id
            WHERE r.id = $1::uuid
              FOR UPDATE OF r`,
          data.recipientId,
          data.kind,
        );
        const skipped = !r
          ? 'no such recipient'
          : r.session_status !== 'ACTIVE' || !r.session_live
            ? 'session not active'
            : !UNFINISHED.has(r.status)
              ? 'recipient finished'
              : r.order_index !== r.current_recipient_order
                ? 'not their turn'
                : !r.has_link
                  ? 'link erased'
                  : r.already_sent
                    ? 'already queued'
                    : undefined;
        if (skipped) return { queued: 0, skipped };
        if (data.kind === 'reminder') {
          await tx.$executeRawUnsafe(
            'UPDATE recipients SET reminder_count = reminder_count + 1, last_reminded_at = now() WHERE id = $1::uuid',
            r.id,
          );
        }
        const ids = await this.messages.insertAndQueue(
          tx,
          messagesFor(
            { tenantId: r.tenant_id, sessionId: r.session_id, id: r.id, email: r.email, phone: r.phone },
            data.kind,
          ),
        );
        return { queued: ids.length };
      },
      { tenantId: data.tenantId },
    );
  }

  /**
   * `creator-notify`: an email to the user who created the session. Sessions created with an API
   * key have no address to write to: nothing is sent (logged). One message per session and kind.
   */
  async notifyCreator(data: CreatorNotifyData): Promise<NotifyOutcome> {
    const outcome = await this.prisma.tenantTransaction(
      async (tx): Promise<NotifyOutcome> => {
        const [s] = await tx.$queryRawUnsafe<
          { id: string; tenant_id: string; creator_type: string; email: string | null; already_sent: boolean }[]
        >(
          `SELECT s.id, s.tenant_id, s.creator_type, u.email,
                  EXISTS (SELECT 1 FROM notification_messages m
                           WHERE m.session_id = s.id AND m.recipient_id IS NULL AND m.kind = $2) AS already_sent
             FROM workflow_sessions s
             LEFT JOIN users u ON s.creator_type = 'USER' AND u.id = s.creator_id
            WHERE s.id = $1::uuid
              FOR UPDATE OF s`,
          data.sessionId,
          data.kind,
        );
        if (!s) return { queued: 0, skipped: 'no such session' };
        if (s.creator_type !== 'USER') return { queued: 0, skipped: 'created with an API key: no address' };
        if (!s.email) return { queued: 0, skipped: 'creator has no email' };
        if (s.already_sent) return { queued: 0, skipped: 'already queued' };
        const ids = await this.messages.insertAndQueue(tx, [
          {
            tenantId: s.tenant_id,
            sessionId: s.id,
            recipientId: null,
            kind: data.kind,
            channel: 'EMAIL',
            toAddress: s.email,
          },
        ]);
        return { queued: ids.length };
      },
      { tenantId: data.tenantId },
    );
    if (outcome.skipped) {
      this.logger.log({ sessionId: data.sessionId, kind: data.kind, skipped: outcome.skipped }, 'creator not notified');
    }
    return outcome;
  }
}
