import { Injectable } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bull';
import type { Queue } from 'bull';
import { MAINTENANCE_QUEUE } from '../queue-registry';
import type { RepeatableJob } from '../repeatable-jobs';
import { RepeatableJobSchedule } from '../repeatable-job.schedule';

/** The platform's repeatable jobs, registered once by the worker. */
@Injectable()
export class MaintenanceSchedules extends RepeatableJobSchedule {
  constructor(@InjectQueue(MAINTENANCE_QUEUE) queue: Queue) {
    super(queue);
  }

  protected jobs(): RepeatableJob[] {
    return [{ name: 'outbox-purge', every: 60 * 60 * 1000 }];
  }
}
