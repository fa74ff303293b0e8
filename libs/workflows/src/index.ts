export * from './workflows.module';
export * from './workflows-worker.module';
