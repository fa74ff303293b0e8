export * from './workflows.module';
export * from './workflows-worker.module';
export * from './sessions/workflow-sessions.module';
export * from './sessions/workflow-lifecycle.service';
export * from './sessions/workflow-access.service';
export * from './sessions/workflow.errors';
