import { Injectable, Logger } from '@nestjs/common';
import {
  AppConfig,
  KeyRing,
  maskAddress,
  NotificationTransport,
  type NotificationReceipt,
  type OutgoingNotification,
} from '@itinera/platform';
import { PrismaService, type Tx } from '@itinera/prisma';
import { composeNotification } from './notification-composer';
import type { MessageKind } from './notification-messages.repository';

interface MessageState {
  id: string;
  session_id: string;
  recipient_id: string | null;
  kind: MessageKind;
  channel: 'EMAIL' | 'SMS';
  to_address: string;
  status: 'QUEUED' | 'SENT' | 'FAILED';
  session_status: string;
  expires_at: Date;
  session_live: boolean;
  recipient_status: string | null;
  recipient_name: string | null;
  recipient_email: string | null;
  recipient_phone: string | null;
  token_ciphertext: string | null;
}

/** How one run of `notification-send` ended. */
export type SendOutcome =
  | { result: 'sent'; providerMessageId: string }
  | { result: 'skipped'; reason: string }
  | { result: 'failed'; reason: string };

/** Thrown after a failed delivery was recorded, so that Bull retries with backoff. */
export class NotificationDeliveryError extends Error {}

const UNFINISHED = new Set(['PENDING', 'ACCESSED', 'IN_PROGRESS']);
const LINK_KINDS = new Set<MessageKind>(['link', 'reminder']);

/**
 * Sends one notification_messages row. The text is composed now from current state (the link
 * from the recipient's encrypted token, a code from its verification row), sent outside any
 * transaction, and the outcome recorded afterwards: SENT with the provider's id and the recipient's
 * email_sent_at / sms_sent_at, or the error on the message and the recipient (retry_count,
 * error_message), FAILED on the last attempt. A message that can no longer be sent truthfully (its
 * link died, its recipient was reassigned, its code is gone) is FAILED at once, without retries.
 */
@Injectable()
export class NotificationSendService {
  private readonly logger = new Logger(NotificationSendService.name);

  constructor(
    private readonly prisma: PrismaService,
    private readonly keyRing: KeyRing,
    private readonly transport: NotificationTransport,
    private readonly config: AppConfig,
  ) {}

  async send(notificationId: string, isLastAttempt: boolean): Promise<SendOutcome> {
    const prepared = await this.prisma.tenantTransaction((tx) => this.prepare(tx, notificationId));
    if ('outcome' in prepared) return prepared.outcome;
    const { state, message, verificationId } = prepared;
    const log = { notificationId, kind: state.kind, channel: state.channel, to: maskAddress(state.to_address) };

    let receipt: NotificationReceipt;
    try {
      receipt = await this.transport.send(message);
    } catch (error) {
      const reason =
        `${state.channel} delivery failed: ${error instanceof Error ? error.message : String(error)}`.slice(0, 1000);
      await this.prisma.tenantTransaction((tx) => this.recordFailure(tx, state, verificationId, reason, isLastAttempt));
      this.logger.warn({ ...log, reason, final: isLastAttempt }, 'notification not delivered');
      throw new NotificationDeliveryError(reason);
    }

    await this.prisma.tenantTransaction(async (tx) => {
      await tx.$executeRawUnsafe(
        `UPDATE notification_messages
            SET status = 'SENT', sent_at = now(), provider_message_id = $2, attempts = attempts + 1
          WHERE id = $1::uuid AND status = 'QUEUED'`,
        state.id,
        receipt.providerMessageId.slice(0, 200),
      );
      if (state.recipient_id) {
        await tx.$executeRawUnsafe(
          `UPDATE recipients SET ${state.channel === 'EMAIL' ? 'email_sent_at' : 'sms_sent_at'} = now() WHERE id = $1::uuid`,
          state.recipient_id,
        );
      }
      if (verificationId) await this.eraseCode(tx, verificationId);
    });
    this.logger.log({ ...log, providerMessageId: receipt.providerMessageId }, 'notification sent');
    return { result: 'sent', providerMessageId: receipt.providerMessageId };
  }

  private async prepare(
    tx: Tx,
    notificationId: string,
  ): Promise<
    { outcome: SendOutcome } | { state: MessageState; message: OutgoingNotification; verificationId?: string }
  > {
    const [state] = await tx.$queryRawUnsafe<MessageState[]>(
      `SELECT m.id, m.session_id, m.recipient_id, m.kind, m.channel, m.to_address, m.status,
              s.status AS session_status, s.expires_at, s.expires_at > now() AS session_live,
              r.status AS recipient_status, r.name AS recipient_name, r.email AS recipient_email,
              r.phone AS recipient_phone, r.token_ciphertext
         FROM notification_messages m
         JOIN workflow_sessions s ON s.id = m.session_id
         LEFT JOIN recipients r ON r.id = m.recipient_id
        WHERE m.id = $1::uuid`,
      notificationId,
    );
    if (!state) return { outcome: { result: 'skipped', reason: 'no such message' } };
    if (state.status !== 'QUEUED') return { outcome: { result: 'skipped', reason: `already ${state.status}` } };

    const base = {
      kind: state.kind,
      channel: state.channel,
      to: state.to_address,
      sessionId: state.session_id,
      sessionStatus: state.session_status,
      expiresAt: state.expires_at,
      recipientName: state.recipient_name,
    };
    const fail = async (reason: string) => {
      await this.markFailed(tx, state.id, reason);
      this.logger.log({ notificationId, kind: state.kind, reason }, 'notification dropped');
      return { outcome: { result: 'failed', reason } as SendOutcome };
    };

    if (state.recipient_id) {
      const current = state.channel === 'EMAIL' ? state.recipient_email : state.recipient_phone;
      // Reassigned (or the contact changed) since the message was queued: it would go to the wrong person.
      if (current !== state.to_address) return fail('recipient reassigned');
    }

    if (LINK_KINDS.has(state.kind)) {
      const live =
        state.token_ciphertext &&
        state.session_status === 'ACTIVE' &&
        state.session_live &&
        UNFINISHED.has(state.recipient_status ?? '');
      if (!live) return fail('link no longer valid');
      let token: string;
      try {
        token = this.keyRing.decrypt(state.token_ciphertext!, state.recipient_id!).toString('utf8');
      } catch {
        return fail('link cannot be decrypted');
      }
      const link = `${this.config.get('PUBLIC_BASE_URL', { infer: true }).replace(/\/+$/, '')}/r/${token}`;
      return { state, message: composeNotification({ ...base, link }) };
    }

    if (state.kind === 'verification-code') {
      const [verification] = await tx.$queryRawUnsafe<
        { id: string; code_ciphertext: string | null; expires_at: Date; live: boolean }[]
      >(
        `SELECT id, code_ciphertext, expires_at, expires_at > now() AS live
           FROM recipient_verifications
          WHERE recipient_id = $1::uuid AND verified_at IS NULL
          ORDER BY created_at DESC, id DESC
          LIMIT 1`,
        state.recipient_id,
      );
      if (!verification?.code_ciphertext || !verification.live) return fail('code no longer valid');
      let code: string;
      try {
        code = this.keyRing.decrypt(verification.code_ciphertext, verification.id).toString('utf8');
      } catch {
        return fail('code cannot be decrypted');
      }
      return {
        state,
        verificationId: verification.id,
        message: composeNotification({ ...base, code, codeExpiresAt: verification.expires_at }),
      };
    }

    return { state, message: composeNotification(base) };
  }

  private async recordFailure(
    tx: Tx,
    state: MessageState,
    verificationId: string | undefined,
    reason: string,
    final: boolean,
  ): Promise<void> {
    await tx.$executeRawUnsafe(
      `UPDATE notification_messages
          SET attempts = attempts + 1, last_error = $2,
              status = CASE WHEN $3 THEN 'FAILED'::"NotificationStatus" ELSE status END
        WHERE id = $1::uuid AND status = 'QUEUED'`,
      state.id,
      reason,
      final,
    );
    if (state.recipient_id) {
      await tx.$executeRawUnsafe(
        'UPDATE recipients SET retry_count = retry_count + 1, error_message = $2 WHERE id = $1::uuid',
        state.recipient_id,
        reason,
      );
    }
    // A code that will never be sent need not stay decryptable.
    if (final && verificationId) await this.eraseCode(tx, verificationId);
  }

  private async markFailed(tx: Tx, id: string, reason: string): Promise<void> {
    await tx.$executeRawUnsafe(
      `UPDATE notification_messages SET status = 'FAILED', last_error = $2 WHERE id = $1::uuid AND status = 'QUEUED'`,
      id,
      reason,
    );
  }

  private async eraseCode(tx: Tx, verificationId: string): Promise<void> {
    await tx.$executeRawUnsafe(
      'UPDATE recipient_verifications SET code_ciphertext = NULL WHERE id = $1::uuid',
      verificationId,
    );
  }
}
