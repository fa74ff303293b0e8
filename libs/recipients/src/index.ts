export * from './recipients.module';
export * from './recipients-worker.module';
