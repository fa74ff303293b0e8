import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '@itinera/platform';
import { PrismaService } from '@itinera/prisma';
import { NotificationMessagesRepository } from './notification-messages.repository';

/** Recipients reminded per transaction; a tenant with more is done in several. */
const REMINDER_BATCH_SIZE = 500;

/**
 * One statement per batch: picks the due recipients of the tenant (the current, unfinished recipient
 * of an ACTIVE, unexpired session, with a sendable link, reminded fewer than $3 times, quiet long
 * enough), locking them with SKIP LOCKED so concurrent sweeps share rather than repeat the work;
 * bumps their reminder_count and last_reminded_at; and records one message per contact. A sweep that
 * reaches a row another just reminded re-checks it after the lock (READ COMMITTED) and finds it no
 * longer due. Returns the messages to send.
 */
const REMIND_SQL = `
WITH due AS (
  SELECT r.id
    FROM recipients r
    JOIN workflow_sessions s ON s.id = r.session_id AND r.order_index = s.current_recipient_order
   WHERE s.status = 'ACTIVE'
     AND s.expires_at > now()
     AND r.status IN ('PENDING', 'ACCESSED', 'IN_PROGRESS')
     AND r.token_ciphertext IS NOT NULL
     AND r.reminder_count < $3::int
     AND coalesce(r.last_reminded_at, r.token_issued_at)
         <= now() - make_interval(secs => (CASE WHEN r.reminder_count = 0 THEN $1::double precision ELSE $2::double precision END) * 3600)
   ORDER BY r.id
   LIMIT $4::int
     FOR UPDATE OF r SKIP LOCKED
), reminded AS (
  UPDATE recipients r
     SET reminder_count = r.reminder_count + 1, last_reminded_at = now()
    FROM due
   WHERE r.id = due.id
  RETURNING r.id, r.tenant_id, r.session_id, r.email, r.phone
)
INSERT INTO notification_messages (tenant_id, session_id, recipient_id, kind, channel, to_address)
SELECT x.tenant_id, x.session_id, x.id, 'reminder', c.channel::"NotificationChannel", c.address
  FROM reminded x
 CROSS JOIN LATERAL (VALUES ('EMAIL', x.email), ('SMS', x.phone)) AS c(channel, address)
 WHERE c.address IS NOT NULL
RETURNING id, tenant_id, recipient_id`;

/** What one sweep did. */
export interface ReminderSweepOutcome {
  tenants: number;
  recipients: number;
  messages: number;
}

/**
 * `recipient-reminders`: reminds the current recipient of each ACTIVE session after
 * REMINDER_AFTER_HOURS without finishing, then every REMINDER_EVERY_HOURS, at most REMINDER_MAX
 * times. Tenants with due reminders come from a SECURITY DEFINER lookup; the work runs inside each
 * tenant's scope, set-based, safe with several workers sweeping at once.
 */
@Injectable()
export class RecipientRemindersService {
  private readonly logger = new Logger(RecipientRemindersService.name);

  constructor(
    private readonly prisma: PrismaService,
    private readonly config: AppConfig,
    private readonly messages: NotificationMessagesRepository,
  ) {}

  async sweep(): Promise<ReminderSweepOutcome> {
    const afterHours = this.config.get('REMINDER_AFTER_HOURS', { infer: true });
    const everyHours = this.config.get('REMINDER_EVERY_HOURS', { infer: true });
    const max = this.config.get('REMINDER_MAX', { infer: true });
    const outcome: ReminderSweepOutcome = { tenants: 0, recipients: 0, messages: 0 };
    if (max <= 0) return outcome;

    const { rows: tenants } = await this.prisma.query<{ tenant_id: string }>(
      'SELECT tenant_id FROM recipient_tenants_with_due_reminders($1, $2, $3)',
      [afterHours, everyHours, max],
    );
    for (const { tenant_id: tenantId } of tenants) {
      outcome.tenants++;
      for (;;) {
        const sent = await this.prisma.tenantTransaction(
          async (tx) => {
            const rows = await tx.$queryRawUnsafe<{ id: string; tenant_id: string; recipient_id: string }[]>(
              REMIND_SQL,
              afterHours,
              everyHours,
              max,
              REMINDER_BATCH_SIZE,
            );
            await this.messages.queueSends(
              tx,
              rows.map((r) => ({ tenantId: r.tenant_id, notificationId: r.id })),
            );
            return { recipients: new Set(rows.map((r) => r.recipient_id)).size, messages: rows.length };
          },
          { tenantId },
        );
        outcome.recipients += sent.recipients;
        outcome.messages += sent.messages;
        if (sent.recipients < REMINDER_BATCH_SIZE) break;
      }
    }
    if (outcome.recipients > 0) this.logger.log(outcome, 'reminders queued');
    return outcome;
  }
}
