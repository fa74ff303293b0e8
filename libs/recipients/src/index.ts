export * from './recipients.module';
export * from './recipients-worker.module';
export * from './notifications/recipient-notifications.module';
export * from './notifications/recipient-notify.service';
export * from './notifications/notification-send.service';
export * from './notifications/recipient-reminders.service';
export * from './notifications/notifications.schedules';
