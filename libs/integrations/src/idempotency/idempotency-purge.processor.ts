import { Injectable, Logger } from '@nestjs/common';
import { InjectQueue, Process, Processor } from '@nestjs/bull';
import type { Job, Queue } from 'bull';
import { PrismaService } from '@itinera/prisma';
import {
  inJobContext,
  MAINTENANCE_QUEUE,
  RepeatableJobSchedule,
  type RepeatableJob,
  type SweepData,
} from '@itinera/queues';
import { IdempotencyService } from './idempotency.service';

/**
 * Deletes expired idempotency keys (worker only). A second processor class on the maintenance
 * queue beside libs/queues' own: Bull keeps one handler per job name on the queue, so the two
 * classes' handlers coexist.
 */
@Processor(MAINTENANCE_QUEUE)
export class IdempotencyPurgeProcessor {
  private readonly logger = new Logger(IdempotencyPurgeProcessor.name);

  constructor(
    private readonly prisma: PrismaService,
    private readonly idempotency: IdempotencyService,
  ) {}

  @Process('idempotency-purge')
  purge(job: Job<SweepData>): Promise<{ tenants: number; deleted: number }> {
    return inJobContext(job, async () => {
      // Which tenants have expired keys: a SECURITY DEFINER lookup across tenants; each delete then
      // runs in that tenant's scope.
      const tenants = await this.prisma.$queryRaw<{ tenant_id: string }[]>`
        SELECT tenant_id FROM workflow_tenants_with_due_work('idempotency', now())`;
      let deleted = 0;
      for (const { tenant_id } of tenants) deleted += await this.idempotency.purgeExpired(tenant_id);
      if (deleted) this.logger.log({ tenants: tenants.length, deleted }, 'expired idempotency keys purged');
      return { tenants: tenants.length, deleted };
    });
  }
}

/** Registers the hourly purge once (worker only). */
@Injectable()
export class IdempotencySchedules extends RepeatableJobSchedule {
  constructor(@InjectQueue(MAINTENANCE_QUEUE) queue: Queue) {
    super(queue);
  }

  protected jobs(): RepeatableJob[] {
    return [{ name: 'idempotency-purge', every: 60 * 60 * 1000 }];
  }
}
