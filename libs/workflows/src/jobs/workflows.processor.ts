import { Process, Processor } from '@nestjs/bull';
import type { Job } from 'bull';
import { inJobContext, WORKFLOWS_QUEUE, type SweepData } from '@itinera/queues';
import { WorkflowExpiryService, type ExpiryResult } from './workflow-expiry.service';
import { WorkflowRetentionService, type RetentionResult } from './workflow-retention.service';

/** The workflows sweeps (worker only); each is idempotent, so a rerun or a second worker is harmless. */
@Processor(WORKFLOWS_QUEUE)
export class WorkflowsProcessor {
  constructor(
    private readonly expiry: WorkflowExpiryService,
    private readonly retention: WorkflowRetentionService,
  ) {}

  @Process('workflow-expiry')
  expire(job: Job<SweepData>): Promise<ExpiryResult> {
    return inJobContext(job, () => this.expiry.run());
  }

  @Process('workflow-retention')
  purge(job: Job<SweepData>): Promise<RetentionResult> {
    return inJobContext(job, () => this.retention.run());
  }
}
