import { InjectQueue, Process, Processor } from '@nestjs/bull';
import { BULL_MODULE_QUEUE_PROCESS } from '@nestjs/bull/dist/bull.constants';
import type { Job, Queue } from 'bull';
import { AppConfig } from '@itinera/platform';
import { ANALYSIS_QUEUE, inJobContext, type AnalysisRunData } from '@itinera/queues';
import { AnalysisRunner, type RunOutcome } from './analysis-runner.service';

/**
 * The analysis queue's consumer (worker only). Two settings come from config rather than the
 * decorator, so they are applied here, before Bull's explorer starts the consumer at module init:
 * the concurrency (ANALYSIS_CONCURRENCY) and the stalled-job recovery (a job whose worker died is
 * run again once its lock, ANALYSIS_LOCK_MS, has lapsed; workers look every ANALYSIS_STALLED_CHECK_MS).
 */
@Processor(ANALYSIS_QUEUE)
export class AnalysisRunProcessor {
  constructor(
    private readonly runner: AnalysisRunner,
    config: AppConfig,
    @InjectQueue(ANALYSIS_QUEUE) queue: Queue,
  ) {
    const lockDuration = config.get('ANALYSIS_LOCK_MS', { infer: true });
    // Bull reads these when the consumer starts (run()) and at each lock renewal.
    Object.assign((queue as unknown as { settings: Record<string, number> }).settings, {
      lockDuration,
      lockRenewTime: lockDuration / 2,
      stalledInterval: config.get('ANALYSIS_STALLED_CHECK_MS', { infer: true }),
      // A job may be taken over twice (two workers killed in a row) before Bull fails it.
      maxStalledCount: 2,
    });
    Reflect.defineMetadata(
      BULL_MODULE_QUEUE_PROCESS,
      { name: 'analysis-run', concurrency: config.get('ANALYSIS_CONCURRENCY', { infer: true }) },
      AnalysisRunProcessor.prototype.run,
    );
  }

  @Process('analysis-run')
  async run(job: Job<AnalysisRunData>): Promise<RunOutcome> {
    if (!job.data?.tenantId || !job.data.analysisId) {
      await job.discard();
      throw new Error('analysis-run job without tenantId and analysisId');
    }
    return inJobContext(job, () => this.runner.run(job));
  }
}
