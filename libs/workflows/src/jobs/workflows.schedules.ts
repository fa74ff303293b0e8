import { Injectable } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bull';
import type { Queue } from 'bull';
import { RepeatableJobSchedule, WORKFLOWS_QUEUE, type RepeatableJob } from '@itinera/queues';

/** Expiry every minute, retention hourly; registered once however many workers start. */
@Injectable()
export class WorkflowsSchedules extends RepeatableJobSchedule {
  constructor(@InjectQueue(WORKFLOWS_QUEUE) queue: Queue) {
    super(queue);
  }

  protected jobs(): RepeatableJob[] {
    return [
      { name: 'workflow-expiry', every: 60 * 1000 },
      { name: 'workflow-retention', every: 60 * 60 * 1000 },
    ];
  }
}
