import type { ModuleRef } from '@nestjs/core';
import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import { QUEUE_NAMES, type QueueName } from './queue-registry';

/** The Bull queue instance of `name` registered by QueuesModule. */
export function queueByName(moduleRef: ModuleRef, name: QueueName): Queue {
  return moduleRef.get<Queue>(getQueueToken(name), { strict: false });
}

export function allQueues(moduleRef: ModuleRef): Queue[] {
  return QUEUE_NAMES.map((name) => queueByName(moduleRef, name));
}
