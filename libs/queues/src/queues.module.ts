import { Global, Module } from '@nestjs/common';
import { BullModule } from '@nestjs/bull';
import { AppConfig } from '@itinera/platform';
import { OutboxRepository } from './outbox/outbox.repository';
import { OutboxService } from './outbox/outbox.service';
import { jobOptionsFor } from './queue-defaults';
import { QUEUE_NAMES } from './queue-registry';
import { QueueMetrics } from './queue.metrics';
import { QueuesReadinessCheck, RedisReadinessCheck } from './queues-readiness.check';

const queues = BullModule.registerQueue(
  ...QUEUE_NAMES.map((name) => ({
    name,
    defaultJobOptions: jobOptionsFor(name),
  })),
);

/**
 * Bull, configured once from REDIS_URL and QUEUE_PREFIX, every queue of the registry, and the
 * outbox producer. Imported by the API (which only produces, through the outbox) and the worker.
 */
@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        url: config.get('REDIS_URL', { infer: true }),
        prefix: config.get('QUEUE_PREFIX', { infer: true }),
      }),
    }),
    queues,
  ],
  providers: [OutboxRepository, OutboxService, QueueMetrics, RedisReadinessCheck, QueuesReadinessCheck],
  exports: [queues, OutboxRepository, OutboxService, RedisReadinessCheck, QueuesReadinessCheck],
})
export class QueuesModule {}
