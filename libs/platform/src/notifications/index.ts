export * from './notification-transport';
export * from './mask-address';
export * from './log-notification.driver';
export * from './file-notification.driver';
export * from './smtp-notification.driver';
export * from './sms-webhook.driver';
export * from './routing-notification.transport';
export * from './notifications.module';
