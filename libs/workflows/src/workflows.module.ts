import { Module } from '@nestjs/common';
import { AttachmentsModule } from './attachments/attachments.module';
import { WorkflowSessionsModule } from './sessions/workflow-sessions.module';

/** The workflows domain over HTTP: sessions and their attachments. */
@Module({
  imports: [WorkflowSessionsModule, AttachmentsModule],
  exports: [WorkflowSessionsModule, AttachmentsModule],
})
export class WorkflowsModule {}
