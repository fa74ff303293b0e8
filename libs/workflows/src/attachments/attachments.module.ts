import { Module } from '@nestjs/common';
import { AuditModule } from '@itinera/audit';
import { StorageModule } from '@itinera/platform';
import { WorkflowSessionsModule } from '../sessions/workflow-sessions.module';
import { AttachmentUploadService } from './attachment-upload.service';
import { AttachmentsService } from './attachments.service';
import { AttachmentsController } from './http/attachments.controller';

/** Attachments: upload (creator, and the recipient link through libs/recipients), listing, download when clean. */
@Module({
  imports: [AuditModule, StorageModule, WorkflowSessionsModule],
  controllers: [AttachmentsController],
  providers: [AttachmentUploadService, AttachmentsService],
  exports: [AttachmentUploadService, AttachmentsService],
})
export class AttachmentsModule {}
