import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '@itinera/platform';
import { OutboxRepository } from './outbox.repository';

/** Rows deleted per statement, so a large backlog never holds locks or bloats one transaction. */
const PURGE_BATCH = 5_000;

/** Deletes delivered outbox messages past OUTBOX_RETENTION_HOURS; dead ones stay for inspection. */
@Injectable()
export class OutboxPurgeService {
  private readonly logger = new Logger(OutboxPurgeService.name);

  constructor(
    private readonly repository: OutboxRepository,
    private readonly config: AppConfig,
  ) {}

  /** Idempotent: a second run finds nothing left to delete. Returns how many rows it deleted. */
  async purgeDelivered(): Promise<number> {
    const retentionHours = this.config.get('OUTBOX_RETENTION_HOURS', {
      infer: true,
    });
    let total = 0;
    for (;;) {
      const deleted = await this.repository.deleteDeliveredBefore(retentionHours, PURGE_BATCH);
      total += deleted;
      if (deleted < PURGE_BATCH) break;
    }
    if (total > 0) this.logger.log({ deleted: total }, 'purged delivered outbox messages');
    return total;
  }
}
