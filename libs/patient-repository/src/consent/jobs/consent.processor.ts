import { Process, Processor } from '@nestjs/bull';
import type { Job } from 'bull';
import { inJobContext, PATIENT_RECORDS_QUEUE, type ConsentNotifyData, type SweepData } from '@itinera/queues';
import { ConsentExpiryService, type ConsentExpiryResult } from './consent-expiry.service';
import { ConsentNotifyService, type ConsentNotifyOutcome } from './consent-notify.service';

/** The consent jobs (worker only); each is idempotent, so a rerun or a second worker is harmless. */
@Processor(PATIENT_RECORDS_QUEUE)
export class ConsentProcessor {
  constructor(
    private readonly expiry: ConsentExpiryService,
    private readonly notifier: ConsentNotifyService,
  ) {}

  @Process('consent-expiry')
  expire(job: Job<SweepData>): Promise<ConsentExpiryResult> {
    return inJobContext(job, () => this.expiry.run());
  }

  @Process('consent-notify')
  notify(job: Job<ConsentNotifyData>): Promise<ConsentNotifyOutcome> {
    return inJobContext(job, () => this.notifier.notify(job.data));
  }
}
