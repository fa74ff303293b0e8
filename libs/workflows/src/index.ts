export * from './workflows.module';
export * from './workflows-worker.module';
// Sessions
export * from './sessions/workflow-sessions.module';
export * from './sessions/workflow-lifecycle.service';
export * from './sessions/workflow-access.service';
export * from './sessions/workflow-queries.service';
export * from './sessions/workflow.errors';
// Attachments
export * from './attachments/attachments.module';
export * from './attachments/attachment-scan.module';
export * from './attachments/attachment-upload.service';
export * from './attachments/attachments.service';
export * from './attachments/attachments.errors';
export * from './attachments/dto/attachment.response';
export * from './attachments/http/attachment-content';
export * from './attachments/http/attachment-openapi';
export * from './attachments/scan/attachment-scan.service';
export * from './attachments/scan/attachment-scan.processor';
// Jobs
export * from './jobs/workflow-jobs.module';
export * from './jobs/workflow-expiry.service';
export * from './jobs/workflow-retention.service';
