import { Module } from '@nestjs/common';
import { AttachmentScanModule } from './attachments/attachment-scan.module';
import { WorkflowJobsModule } from './jobs/workflow-jobs.module';

/** The workflows domain in the worker: expiry, retention and attachment scans. */
@Module({
  imports: [WorkflowJobsModule, AttachmentScanModule],
})
export class WorkflowsWorkerModule {}
