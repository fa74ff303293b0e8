import { Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Queue } from 'bull';
import { setTimeout as sleep } from 'node:timers/promises';
import { displayNameOf } from './queue-registry';
import { ensureRepeatableJob, type RepeatableJob } from './repeatable-jobs';

/**
 * Base of a domain's `<domain>.schedules.ts` (worker only): registers its repeatable jobs at start.
 * Redis may be down when the worker starts; registration then retries in the background instead
 * of blocking start-up, since a worker without Redis has nothing to do anyway.
 */
export abstract class RepeatableJobSchedule implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(this.constructor.name);
  private stopped = false;
  /** Settles once every job is registered (or the app stops); tests await it. */
  registered: Promise<void> = Promise.resolve();

  protected constructor(private readonly queue: Queue) {}

  protected abstract jobs(): RepeatableJob[];

  onApplicationBootstrap(): void {
    this.registered = this.register();
  }

  onApplicationShutdown(): void {
    this.stopped = true;
  }

  private async register(): Promise<void> {
    for (let attempt = 1; !this.stopped; attempt++) {
      try {
        for (const job of this.jobs()) await ensureRepeatableJob(this.queue, job);
        return;
      } catch (error) {
        this.logger.warn(
          { err: error, queue: displayNameOf(this.queue.name), attempt },
          'cannot register repeatable jobs yet',
        );
        await sleep(Math.min(30_000, 500 * 2 ** attempt));
      }
    }
  }
}
