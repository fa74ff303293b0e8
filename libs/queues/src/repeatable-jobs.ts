import type { JobOptions, Queue } from 'bull';

export interface RepeatableJob {
  name: string;
  /** Milliseconds between runs, or a cron expression; exactly one of the two. */
  every?: number;
  cron?: string;
  data?: object;
  options?: Omit<JobOptions, 'repeat' | 'jobId'>;
}

/**
 * Registers a repeatable job exactly once however many workers start, and however often: Bull keys
 * a repeatable job by name and schedule, so adding the same one again is a no-op, and the next
 * run's job id is derived from that key and its time, so concurrent adds collapse into one job.
 * A definition of the same name with another schedule (a changed interval) is removed.
 */
export async function ensureRepeatableJob(queue: Queue, job: RepeatableJob): Promise<void> {
  if ((job.every === undefined) === (job.cron === undefined)) {
    throw new Error(`repeatable job ${job.name}: give exactly one of every and cron`);
  }
  const schedule = job.cron ?? String(job.every);
  for (const existing of await queue.getRepeatableJobs()) {
    const existingSchedule = existing.cron ?? String(existing.every);
    if (existing.name === job.name && existingSchedule !== schedule) await queue.removeRepeatableByKey(existing.key);
  }
  await queue.add(job.name, job.data ?? {}, {
    ...job.options,
    jobId: job.name,
    repeat: job.cron ? { cron: job.cron } : { every: job.every! },
  });
}
