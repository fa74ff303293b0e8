import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { allQueues } from './queue-lookup';

/**
 * Graceful worker shutdown: stop taking jobs and let the running ones finish while the database is
 * still connected (Nest runs this before `onApplicationShutdown`, where the pool closes). Bull's
 * `close()` waits for active jobs; a job still running when SHUTDOWN_GRACE_MS runs out is left
 * active, and Bull's stalled-job check hands it to another worker.
 */
@Injectable()
export class WorkerDrain implements BeforeApplicationShutdown {
  private readonly logger = new Logger(WorkerDrain.name);

  constructor(private readonly moduleRef: ModuleRef) {}

  async beforeApplicationShutdown(): Promise<void> {
    const queues = allQueues(this.moduleRef);
    const active = (await Promise.all(queues.map((q) => q.getActiveCount().catch(() => 0)))).reduce((a, b) => a + b, 0);
    if (active) this.logger.log({ active }, 'letting running jobs finish');
    await Promise.all(queues.map((queue) => queue.close()));
  }
}
