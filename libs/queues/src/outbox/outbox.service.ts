import { Injectable } from '@nestjs/common';
import type { Prisma } from '@prisma/client';
import { RequestContext } from '@itinera/platform';
import type { SqlTx } from '@itinera/prisma';
import type { JobData, JobName, QueueName } from '../queue-registry';
import { OutboxRepository } from './outbox.repository';

export interface OutboxMessageInput<Q extends QueueName, J extends JobName<Q>> {
  queue: Q;
  job: J;
  data: JobData<Q, J>;
  /** Bull priority, 1 (highest) to MAX_INT. */
  priority?: number;
  /** Not relayed before this many milliseconds have passed (durable: the delay lives in PostgreSQL). */
  delayMs?: number;
  /** Overrides the queue's default attempts. */
  attempts?: number;
  /** Overrides the queue's default backoff: exponential from this many milliseconds. */
  backoffMs?: number;
  /** Bull fails an attempt that runs longer than this (then retries it like any failure). */
  timeoutMs?: number;
  /**
   * The message id, hence the Bull job id, when the job must be findable by a domain id (an
   * analysis is its job); a fresh UUID otherwise. Must be unique among outbox messages.
   */
  id?: string;
}

/** Any message of the registry, with its data type checked against its queue and job. */
export type AnyOutboxMessage = {
  [Q in QueueName]: { [J in JobName<Q>]: OutboxMessageInput<Q, J> }[JobName<Q>];
}[QueueName];

/**
 * The producer side of the transactional outbox: a domain service records the jobs that must follow
 * its change with the same `tx` as the change, so they exist exactly when the change committed;
 * the worker's relay moves them to Bull. Nothing here talks to Redis.
 */
@Injectable()
export class OutboxService {
  constructor(private readonly repository: OutboxRepository) {}

  /** Records one job to run after `tx` commits; returns the message id (also its Bull job id). */
  async enqueue(tx: SqlTx, message: AnyOutboxMessage): Promise<string> {
    const [id] = await this.repository.insert(tx, [this.toRow(message)]);
    return id;
  }

  /** Records several jobs in one statement; returns their ids in order. */
  async enqueueMany(tx: SqlTx, messages: AnyOutboxMessage[]): Promise<string[]> {
    if (messages.length === 0) return [];
    return this.repository.insert(
      tx,
      messages.map((m) => this.toRow(m)),
    );
  }

  private toRow(message: AnyOutboxMessage): Prisma.OutboxMessageCreateManyInput {
    const requestId = RequestContext.get('requestId');
    // The job runs in the tenant of the change that caused it (inJobContext), unless it names one.
    const tenantId = RequestContext.get('tenantId');
    const data = {
      ...(tenantId ? { tenantId } : {}),
      ...(message.data as object),
      ...(requestId ? { requestId } : {}),
    } as Record<string, unknown>;
    const options: Record<string, unknown> = {};
    if (message.priority !== undefined) options.priority = message.priority;
    if (message.attempts !== undefined) options.attempts = message.attempts;
    if (message.backoffMs !== undefined) options.backoff = { type: 'exponential', delay: message.backoffMs };
    if (message.timeoutMs !== undefined) options.timeout = message.timeoutMs;
    return {
      ...(message.id ? { id: message.id } : {}),
      queue: message.queue,
      jobName: message.job,
      payload: data as Prisma.InputJsonObject,
      options: options as Prisma.InputJsonObject,
      tenantId: typeof data.tenantId === 'string' ? data.tenantId : null,
      requestId: requestId ?? null,
      ...(message.delayMs ? { availableAt: new Date(Date.now() + message.delayMs) } : {}),
    };
  }
}
