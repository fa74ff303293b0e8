import { Injectable } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bull';
import type { Queue } from 'bull';
import { AppConfig } from '@itinera/platform';
import { NOTIFICATIONS_QUEUE, RepeatableJobSchedule, type RepeatableJob } from '@itinera/queues';

/** The reminder sweep runs every five minutes, or every REMINDER_EVERY_HOURS when that is shorter. */
const SWEEP_EVERY_MS = 5 * 60_000;

/** Registers `recipient-reminders` once, however many workers start. */
@Injectable()
export class NotificationsSchedules extends RepeatableJobSchedule {
  constructor(
    @InjectQueue(NOTIFICATIONS_QUEUE) queue: Queue,
    private readonly config: AppConfig,
  ) {
    super(queue);
  }

  protected jobs(): RepeatableJob[] {
    const everyHours = this.config.get('REMINDER_EVERY_HOURS', { infer: true });
    const every = Math.max(1_000, Math.min(SWEEP_EVERY_MS, Math.round(everyHours * 3_600_000)));
    // A sweep runs again at its next tick: no retries of its own.
    return [{ name: 'recipient-reminders', every, options: { attempts: 1 } }];
  }
}
