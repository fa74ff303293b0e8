import type { JobOptions } from 'bull';
import {
  ANALYSIS_QUEUE,
  ATTACHMENTS_QUEUE,
  MAINTENANCE_QUEUE,
  NOTIFICATIONS_QUEUE,
  PATIENT_RECORDS_QUEUE,
  WEBHOOKS_QUEUE,
  WORKFLOWS_QUEUE,
  type QueueName,
} from './queue-registry';

/**
 * Default options of every job: retries with exponential backoff; completed jobs kept a day (so a
 * redelivered outbox message with the same job id collapses into the existing job) and failed ones
 * two weeks (inspectable in the dashboard).
 */
export const DEFAULT_JOB_OPTIONS: JobOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: { age: 24 * 3600, count: 100_000 },
  removeOnFail: { age: 14 * 24 * 3600 },
};

/** Per-queue overrides of DEFAULT_JOB_OPTIONS. */
export const JOB_OPTIONS_BY_QUEUE: Record<QueueName, JobOptions> = {
  [MAINTENANCE_QUEUE]: { attempts: 3 },
  // Sweeps run again on their next tick anyway.
  [WORKFLOWS_QUEUE]: { attempts: 3 },
  [NOTIFICATIONS_QUEUE]: { attempts: 6, backoff: { type: 'exponential', delay: 2_000 } },
  // clamd may be briefly away; an unscanned attachment is simply not downloadable yet.
  [ATTACHMENTS_QUEUE]: { attempts: 8, backoff: { type: 'exponential', delay: 2_000 } },
  // Attempts and backoff of webhook deliveries are set per job from WEBHOOK_MAX_ATTEMPTS.
  [WEBHOOKS_QUEUE]: { attempts: 8, backoff: { type: 'exponential', delay: 1_000 } },
  // Attempts, backoff and timeout of analyses are set per job from ANALYSIS_* config.
  [ANALYSIS_QUEUE]: { attempts: 3, backoff: { type: 'exponential', delay: 2_000 } },
  [PATIENT_RECORDS_QUEUE]: { attempts: 6, backoff: { type: 'exponential', delay: 2_000 } },
};

export function jobOptionsFor(queue: QueueName): JobOptions {
  return { ...DEFAULT_JOB_OPTIONS, ...JOB_OPTIONS_BY_QUEUE[queue] };
}
