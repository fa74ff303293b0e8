import { Injectable } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bull';
import type { Queue } from 'bull';
import { PATIENT_RECORDS_QUEUE, RepeatableJobSchedule, type RepeatableJob } from '@itinera/queues';

/** Consent expiry every minute; registered once however many workers start. */
@Injectable()
export class ConsentSchedules extends RepeatableJobSchedule {
  constructor(@InjectQueue(PATIENT_RECORDS_QUEUE) queue: Queue) {
    super(queue);
  }

  protected jobs(): RepeatableJob[] {
    return [{ name: 'consent-expiry', every: 60 * 1000 }];
  }
}
