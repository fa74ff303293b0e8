import { Logger } from '@nestjs/common';
import { Process, Processor } from '@nestjs/bull';
import type { Job } from 'bull';
import {
  inJobContext,
  NOTIFICATIONS_QUEUE,
  type CreatorNotifyData,
  type NotificationSendData,
  type RecipientNotifyData,
  type SweepData,
} from '@itinera/queues';
import { NotificationSendService, type SendOutcome } from './notification-send.service';
import { RecipientNotifyService, type NotifyOutcome } from './recipient-notify.service';
import { RecipientRemindersService, type ReminderSweepOutcome } from './recipient-reminders.service';

/** How many messages one worker sends at once (transports are I/O-bound). */
const SEND_CONCURRENCY = 5;

/** The notifications queue (worker only): one thin method per job, each idempotent. */
@Processor(NOTIFICATIONS_QUEUE)
export class NotificationsProcessor {
  private readonly logger = new Logger(NotificationsProcessor.name);

  constructor(
    private readonly notify: RecipientNotifyService,
    private readonly sender: NotificationSendService,
    private readonly reminders: RecipientRemindersService,
  ) {}

  @Process('recipient-notify')
  recipientNotify(job: Job<RecipientNotifyData>): Promise<NotifyOutcome> {
    return inJobContext(job, async () => {
      const outcome = await this.notify.notifyRecipient(job.data);
      this.logger.log({ recipientId: job.data.recipientId, kind: job.data.kind, ...outcome }, 'recipient-notify done');
      return outcome;
    });
  }

  @Process('creator-notify')
  creatorNotify(job: Job<CreatorNotifyData>): Promise<NotifyOutcome> {
    return inJobContext(job, () => this.notify.notifyCreator(job.data));
  }

  @Process({ name: 'notification-send', concurrency: SEND_CONCURRENCY })
  notificationSend(job: Job<NotificationSendData>): Promise<SendOutcome> {
    // The last attempt marks the message FAILED; earlier ones leave it QUEUED for Bull's retry.
    const isLastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    return inJobContext(job, () => this.sender.send(job.data.notificationId, isLastAttempt));
  }

  @Process('recipient-reminders')
  recipientReminders(job: Job<SweepData>): Promise<ReminderSweepOutcome> {
    return inJobContext(job, () => this.reminders.sweep());
  }
}
