export * from './integrations.module';
export * from './integrations-worker.module';
export * from './webhooks/webhook-events';
export * from './webhooks/webhook-publisher.service';
