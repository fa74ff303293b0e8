import { Module } from '@nestjs/common';
import { StorageModule } from '@itinera/platform';
import { WorkflowExpiryService } from './workflow-expiry.service';
import { WorkflowRetentionService } from './workflow-retention.service';
import { WorkflowsProcessor } from './workflows.processor';
import { WorkflowsSchedules } from './workflows.schedules';

/** Worker side of sessions: the expiry and retention sweeps and their schedules. */
@Module({
  imports: [StorageModule],
  providers: [WorkflowExpiryService, WorkflowRetentionService, WorkflowsProcessor, WorkflowsSchedules],
  exports: [WorkflowExpiryService, WorkflowRetentionService],
})
export class WorkflowJobsModule {}
