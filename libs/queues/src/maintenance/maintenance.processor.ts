import { Process, Processor } from '@nestjs/bull';
import type { Job } from 'bull';
import { OutboxPurgeService } from '../outbox/outbox-purge.service';
import { MAINTENANCE_QUEUE, type OutboxPurgeData } from '../queue-registry';

/** Platform housekeeping jobs (worker only). */
@Processor(MAINTENANCE_QUEUE)
export class MaintenanceProcessor {
  constructor(private readonly outboxPurge: OutboxPurgeService) {}

  @Process('outbox-purge')
  async purgeOutbox(_job: Job<OutboxPurgeData>): Promise<{ deleted: number }> {
    return { deleted: await this.outboxPurge.purgeDelivered() };
  }
}
