/**
 * The contract between producers (the API, through the outbox) and consumers (the worker): every
 * queue, its job names and each job's data. Job data carries ids plus the request id, never whole
 * records, so a handler re-reads current state and a rerun is harmless.
 *
 * Queue names carry a Redis Cluster hash tag (`{...}`) so each queue's keys share one slot while
 * different queues spread over the cluster.
 */

/** Data every job carries besides its own ids. */
export interface JobContext {
  /** The request (or job) that caused this job, for log correlation. */
  requestId?: string;
  /** The tenant whose data the job acts on, when it acts on tenant data. */
  tenantId?: string;
}

/** Deletes delivered outbox messages older than OUTBOX_RETENTION_HOURS (repeatable, hourly). */
export type OutboxPurgeData = JobContext;

export const MAINTENANCE_QUEUE = '{maintenance}';

/** Job data by queue and job name; a domain adds its queues here. */
export interface JobsByQueue {
  [MAINTENANCE_QUEUE]: {
    'outbox-purge': OutboxPurgeData;
  };
}

export type QueueName = keyof JobsByQueue;
export type JobName<Q extends QueueName> = keyof JobsByQueue[Q] & string;
export type JobData<Q extends QueueName, J extends JobName<Q>> = JobsByQueue[Q][J];

/** The same registry at run time: the relay refuses unknown names and the worker checks every name has a handler. */
export const JOB_NAMES_BY_QUEUE: { [Q in QueueName]: JobName<Q>[] } = {
  [MAINTENANCE_QUEUE]: ['outbox-purge'],
};

export const QUEUE_NAMES = Object.keys(JOB_NAMES_BY_QUEUE) as QueueName[];

/** Readable names for the dashboard and metrics (`{maintenance}` -> `maintenance`). */
export function displayNameOf(queue: string): string {
  return queue.replace(/[{}]/g, '');
}

export function isKnownJob(queue: string, job: string): boolean {
  return (JOB_NAMES_BY_QUEUE as Record<string, string[]>)[queue]?.includes(job) ?? false;
}
