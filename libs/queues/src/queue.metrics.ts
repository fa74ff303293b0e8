import { Injectable, OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { Gauge } from 'prom-client';
import { MetricsRegistry, withTimeout } from '@itinera/platform';
import { OutboxRepository } from './outbox/outbox.repository';
import { allQueues } from './queue-lookup';
import { displayNameOf } from './queue-registry';

/** Queue depths by state and the outbox backlog, read from Redis and PostgreSQL at each scrape. */
@Injectable()
export class QueueMetrics implements OnModuleInit {
  constructor(
    private readonly registry: MetricsRegistry,
    private readonly moduleRef: ModuleRef,
    private readonly outbox: OutboxRepository,
  ) {}

  onModuleInit(): void {
    const moduleRef = this.moduleRef;
    const outbox = this.outbox;
    this.registry.getOrCreate(
      'queue_jobs',
      (r) =>
        new Gauge({
          name: 'queue_jobs',
          help: 'Bull jobs by queue and state (waiting, active, delayed, completed, failed, paused)',
          labelNames: ['queue', 'state'],
          registers: [r],
          async collect() {
            // A scrape must not hang on a Redis outage: queues that do not answer are left out.
            await Promise.all(
              allQueues(moduleRef)
                .filter((queue) => queue.client.status === 'ready')
                .map(async (queue) => {
                  const counts = await withTimeout(queue.getJobCounts(), 1_000).catch(() => undefined);
                  for (const [state, count] of Object.entries(counts ?? {})) {
                    this.set({ queue: displayNameOf(queue.name), state }, count);
                  }
                }),
            );
          },
        }),
    );
    this.registry.getOrCreate(
      'outbox_pending_messages',
      (r) =>
        new Gauge({
          name: 'outbox_pending_messages',
          help: 'Outbox messages committed but not yet relayed to Bull',
          registers: [r],
          async collect() {
            this.set(await outbox.countPending());
          },
        }),
    );
  }
}
