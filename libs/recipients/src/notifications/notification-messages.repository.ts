import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AppConfig } from '@itinera/platform';
import type { Tx } from '@itinera/prisma';
import { NOTIFICATIONS_QUEUE, OutboxService } from '@itinera/queues';

/** Kinds of notification_messages rows: to a recipient, or to the session's creator. */
export type RecipientMessageKind = 'link' | 'reminder' | 'verification-code';
export type CreatorMessageKind = 'declined' | 'completed' | 'expired' | 'cancelled';
export type MessageKind = RecipientMessageKind | CreatorMessageKind;

export interface NewMessage {
  tenantId: string;
  sessionId: string;
  recipientId: string | null;
  kind: MessageKind;
  channel: 'EMAIL' | 'SMS';
  toAddress: string;
}

/** The contacts of a recipient as messages: one EMAIL row if it has an email, one SMS row if a phone. */
export function messagesFor(
  recipient: { tenantId: string; sessionId: string; id: string; email: string | null; phone: string | null },
  kind: RecipientMessageKind,
): NewMessage[] {
  const base = { tenantId: recipient.tenantId, sessionId: recipient.sessionId, recipientId: recipient.id, kind };
  return [
    ...(recipient.email ? [{ ...base, channel: 'EMAIL' as const, toAddress: recipient.email }] : []),
    ...(recipient.phone ? [{ ...base, channel: 'SMS' as const, toAddress: recipient.phone }] : []),
  ];
}

/**
 * notification_messages rows and the `notification-send` job of each, always together in the
 * caller's (tenant-scoped) transaction: a row exists exactly when its send is queued.
 */
@Injectable()
export class NotificationMessagesRepository {
  constructor(
    private readonly outbox: OutboxService,
    private readonly config: AppConfig,
  ) {}

  /** Inserts `messages` and queues their sends; returns their ids. */
  async insertAndQueue(tx: Tx, messages: NewMessage[]): Promise<string[]> {
    if (messages.length === 0) return [];
    // Ids made here, so that each send job is paired with its row whatever order INSERT returns.
    const ids = messages.map(() => randomUUID());
    await tx.$executeRawUnsafe(
      `INSERT INTO notification_messages (id, tenant_id, session_id, recipient_id, kind, channel, to_address)
       SELECT m.id, m.tenant_id, m.session_id, m.recipient_id, m.kind, m.channel::"NotificationChannel", m.to_address
         FROM jsonb_to_recordset($1::jsonb)
              AS m(id uuid, tenant_id uuid, session_id uuid, recipient_id uuid, kind text, channel text, to_address text)`,
      JSON.stringify(
        messages.map((m, i) => ({
          id: ids[i],
          tenant_id: m.tenantId,
          session_id: m.sessionId,
          recipient_id: m.recipientId,
          kind: m.kind,
          channel: m.channel,
          to_address: m.toAddress,
        })),
      ),
    );
    await this.queueSends(
      tx,
      messages.map((m, i) => ({ tenantId: m.tenantId, notificationId: ids[i] })),
    );
    return ids;
  }

  /** Queues `notification-send` for rows already inserted (the reminder sweep inserts set-based). */
  async queueSends(tx: Tx, sends: { tenantId: string; notificationId: string }[]): Promise<void> {
    const attempts = this.config.get('NOTIFY_SEND_ATTEMPTS', { infer: true });
    await this.outbox.enqueueMany(
      tx,
      sends.map((data) => ({ queue: NOTIFICATIONS_QUEUE, job: 'notification-send' as const, data, attempts })),
    );
  }
}
