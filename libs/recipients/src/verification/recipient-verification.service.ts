import { Injectable } from '@nestjs/common';
import { randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import { AuditService } from '@itinera/audit';
import { AppConfig, AppError, KeyRing, PlatformErrorCode, randomSecret, sha256 } from '@itinera/platform';
import { PrismaService, type Tx } from '@itinera/prisma';
import { NOTIFICATIONS_QUEUE, OutboxService } from '@itinera/queues';
import { maskEmail, maskPhone } from '../links/contact-mask';
import { RecipientLinkErrorCode } from '../links/recipient-link.errors';
import { RecipientLinkResolver } from '../links/recipient-link.resolver';
import type { VerificationCodeSentResponse, VerificationGrantResponse } from './dto/recipient-verification.dto';

/** Codes one recipient may be sent per hour. */
export const MAX_CODES_PER_HOUR = 5;

/** The kind of notification_messages row that carries a code (the notification-send job decrypts it). */
export const VERIFICATION_CODE_KIND = 'verification-code';

interface CodeRow {
  id: string;
  code_hash: Buffer;
  attempts: number;
  expires_at: Date;
  verified_at: Date | null;
}

/** The hash stored for a code: bound to its recipient, so equal codes of two recipients differ. */
export const codeHashOf = (recipientId: string, code: string) => sha256(`${recipientId}:${code}`);

/**
 * One-time codes for recipients that must verify before their link shows health data. A code is
 * stored as a hash (and encrypted until the notification job has sent it); confirming the latest
 * code of the recipient, within its attempts, gives a grant: a random secret whose hash is stored,
 * sent back as `X-Link-Verification`.
 */
@Injectable()
export class RecipientVerificationService {
  constructor(
    private readonly resolver: RecipientLinkResolver,
    private readonly prisma: PrismaService,
    private readonly keyRing: KeyRing,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
    private readonly outbox: OutboxService,
  ) {}

  async send(token: string, channel: 'EMAIL' | 'SMS'): Promise<VerificationCodeSentResponse> {
    const link = await this.resolver.resolve(token);
    if (!link.requiresVerification) {
      throw new AppError(PlatformErrorCode.InvalidState, 409, 'Conflict', {
        detail: 'This link does not require verification.',
      });
    }
    const address = channel === 'EMAIL' ? link.email : link.phone;
    if (!address) {
      throw new AppError(RecipientLinkErrorCode.ChannelUnavailable, 400, 'Bad Request', {
        detail: `No ${channel === 'EMAIL' ? 'email address' : 'phone number'} is on file for this recipient.`,
        errors: [{ field: 'channel', message: 'is not available for this recipient' }],
      });
    }
    const ttlMinutes = this.config.get('RECIPIENT_CODE_TTL_MINUTES', { infer: true });
    const expiresAt = new Date(Date.now() + ttlMinutes * 60_000);
    const verificationId = randomUUID();
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    await this.prisma.tenantTransaction(async (tx) => {
      // The recipient's row lock serialises concurrent requests, so the hourly count holds.
      await tx.$queryRawUnsafe('SELECT id FROM recipients WHERE id = $1::uuid FOR UPDATE', link.recipientId);
      const [{ count }] = await tx.$queryRawUnsafe<{ count: number }[]>(
        `SELECT count(*)::int AS count FROM recipient_verifications
          WHERE recipient_id = $1::uuid AND created_at > now() - interval '1 hour'`,
        link.recipientId,
      );
      if (count >= MAX_CODES_PER_HOUR) {
        throw new AppError(RecipientLinkErrorCode.TooManyCodes, 429, 'Too Many Requests', {
          detail: `At most ${MAX_CODES_PER_HOUR} codes an hour can be sent; try again later.`,
          headers: { 'retry-after': '3600' },
        });
      }
      await tx.$executeRawUnsafe(
        `INSERT INTO recipient_verifications (id, tenant_id, recipient_id, channel, code_hash, code_ciphertext, expires_at)
         VALUES ($1::uuid, $2::uuid, $3::uuid, $4::"NotificationChannel", $5, $6, $7)`,
        verificationId,
        link.tenantId,
        link.recipientId,
        channel,
        codeHashOf(link.recipientId, code),
        this.keyRing.encrypt(code, verificationId),
        expiresAt,
      );
      const [notification] = await tx.$queryRawUnsafe<{ id: string }[]>(
        `INSERT INTO notification_messages (tenant_id, session_id, recipient_id, kind, channel, to_address)
         VALUES ($1::uuid, $2::uuid, $3::uuid, $4, $5::"NotificationChannel", $6) RETURNING id`,
        link.tenantId,
        link.sessionId,
        link.recipientId,
        VERIFICATION_CODE_KIND,
        channel,
        address,
      );
      await this.outbox.enqueue(tx, {
        queue: NOTIFICATIONS_QUEUE,
        job: 'notification-send',
        data: { tenantId: link.tenantId, notificationId: notification.id },
      });
      await this.audit.record(tx, {
        action: 'recipient.verification_sent',
        resourceType: 'workflow',
        resourceId: link.sessionId,
        metadata: { recipientId: link.recipientId, channel, verificationId },
      });
    });
    return { channel, destination: channel === 'EMAIL' ? maskEmail(address) : maskPhone(address), expiresAt };
  }

  /**
   * Checks a code against the recipient's latest one (a newer code supersedes older ones). A wrong
   * code counts an attempt with a conditional UPDATE, so parallel guesses cannot pass the limit;
   * the attempt and its audit entry commit before the 400 is answered.
   */
  async confirm(token: string, code: string): Promise<VerificationGrantResponse> {
    const link = await this.resolver.resolve(token);
    const maxAttempts = this.config.get('RECIPIENT_CODE_MAX_ATTEMPTS', { infer: true });
    const grantTtlMinutes = this.config.get('RECIPIENT_VERIFICATION_TTL_MINUTES', { infer: true });
    const outcome = await this.prisma.tenantTransaction(async (tx) => {
      const [latest] = await tx.$queryRawUnsafe<CodeRow[]>(
        `SELECT id, code_hash, attempts, expires_at, verified_at FROM recipient_verifications
          WHERE recipient_id = $1::uuid ORDER BY created_at DESC, id DESC LIMIT 1 FOR UPDATE`,
        link.recipientId,
      );
      if (!latest || latest.verified_at || latest.expires_at.getTime() <= Date.now()) {
        await this.recordFailure(tx, link.sessionId, link.recipientId, latest ? 'expired' : 'no_code', latest?.id);
        return { kind: 'invalid' as const };
      }
      if (latest.attempts >= maxAttempts) {
        await this.recordFailure(tx, link.sessionId, link.recipientId, 'too_many_attempts', latest.id);
        return { kind: 'locked' as const };
      }
      if (!timingSafeEqual(codeHashOf(link.recipientId, code), latest.code_hash)) {
        const [counted] = await tx.$queryRawUnsafe<{ attempts: number }[]>(
          `UPDATE recipient_verifications SET attempts = attempts + 1
            WHERE id = $1::uuid AND attempts < $2 RETURNING attempts`,
          latest.id,
          maxAttempts,
        );
        await this.recordFailure(tx, link.sessionId, link.recipientId, 'wrong_code', latest.id, counted?.attempts);
        return counted ? { kind: 'invalid' as const } : { kind: 'locked' as const };
      }
      const grant = randomSecret(32);
      const expiresAt = new Date(Date.now() + grantTtlMinutes * 60_000);
      const [verified] = await tx.$queryRawUnsafe<{ id: string }[]>(
        `UPDATE recipient_verifications
            SET verified_at = now(), grant_hash = $2, grant_expires_at = $3, code_ciphertext = NULL
          WHERE id = $1::uuid AND verified_at IS NULL AND attempts < $4 RETURNING id`,
        latest.id,
        sha256(grant),
        expiresAt,
        maxAttempts,
      );
      if (!verified) return { kind: 'invalid' as const };
      await this.audit.record(tx, {
        action: 'recipient.verified',
        resourceType: 'workflow',
        resourceId: link.sessionId,
        metadata: { recipientId: link.recipientId, verificationId: latest.id },
      });
      return { kind: 'verified' as const, grant, expiresAt };
    });
    if (outcome.kind === 'locked') {
      throw new AppError(RecipientLinkErrorCode.TooManyAttempts, 429, 'Too Many Requests', {
        detail: 'Too many wrong attempts for this code; ask for a new code.',
      });
    }
    if (outcome.kind === 'invalid') {
      throw new AppError(RecipientLinkErrorCode.InvalidCode, 400, 'Bad Request', {
        detail: 'The code is wrong or has expired.',
        errors: [{ field: 'code', message: 'is wrong or has expired' }],
      });
    }
    return { verificationToken: outcome.grant, expiresAt: outcome.expiresAt };
  }

  private recordFailure(
    tx: Tx,
    sessionId: string,
    recipientId: string,
    reason: string,
    verificationId?: string,
    attempts?: number,
  ): Promise<void> {
    return this.audit.record(tx, {
      action: 'recipient.verification_failed',
      resourceType: 'workflow',
      resourceId: sessionId,
      metadata: {
        recipientId,
        reason,
        ...(verificationId ? { verificationId } : {}),
        ...(attempts ? { attempts } : {}),
      },
    });
  }
}
