import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { ReadinessCheck } from '@itinera/platform';
import { allQueues } from './queue-lookup';
import { displayNameOf } from './queue-registry';

/** Redis answers a PING on the queues' connection. */
@Injectable()
export class RedisReadinessCheck implements ReadinessCheck {
  readonly name = 'redis';

  constructor(private readonly moduleRef: ModuleRef) {}

  async check(): Promise<void> {
    const [queue] = allQueues(this.moduleRef);
    if (queue.client.status !== 'ready') throw new Error(`connection is ${queue.client.status}`);
    await queue.client.ping();
  }
}

/** Every queue's Redis connection is ready (Bull can add and fetch jobs). */
@Injectable()
export class QueuesReadinessCheck implements ReadinessCheck {
  readonly name = 'queues';

  constructor(private readonly moduleRef: ModuleRef) {}

  async check(): Promise<void> {
    const notReady = allQueues(this.moduleRef)
      .filter((q) => q.client.status !== 'ready')
      .map((q) => displayNameOf(q.name));
    if (notReady.length) throw new Error(`not connected: ${notReady.join(', ')}`);
  }
}
