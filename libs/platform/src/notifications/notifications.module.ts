import { Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config.module';
import { FileNotificationDriver } from './file-notification.driver';
import { LogNotificationDriver } from './log-notification.driver';
import { NotificationTransport } from './notification-transport';
import { RoutingNotificationTransport } from './routing-notification.transport';
import { SmsWebhookDriver } from './sms-webhook.driver';
import { SmtpNotificationDriver } from './smtp-notification.driver';

/** The transport of the configuration: NOTIFY_TRANSPORT for emails, SMS_WEBHOOK_URL for SMS. */
export function notificationTransportFor(config: AppConfig): RoutingNotificationTransport {
  const selected = config.get('NOTIFY_TRANSPORT', { infer: true });
  const log = new LogNotificationDriver();
  const email =
    selected === 'file'
      ? new FileNotificationDriver(config.get('NOTIFY_FILE_PATH', { infer: true }))
      : selected === 'smtp'
        ? new SmtpNotificationDriver(config.get('SMTP_URL', { infer: true })!, config.get('SMTP_FROM', { infer: true }))
        : log;
  const smsUrl = config.get('SMS_WEBHOOK_URL', { infer: true });
  const sms = smsUrl ? new SmsWebhookDriver(smsUrl) : selected === 'smtp' ? log : email;
  return new RoutingNotificationTransport(email, sms);
}

/**
 * Provides `NotificationTransport` (log, file or SMTP, plus the SMS hook) from the configuration.
 * Import it where messages are sent (the worker's notification jobs).
 */
@Module({
  providers: [
    {
      provide: NotificationTransport,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => notificationTransportFor(config),
    },
  ],
  exports: [NotificationTransport],
})
export class NotificationsModule implements OnApplicationShutdown {
  constructor(@Inject(NotificationTransport) private readonly transport: RoutingNotificationTransport) {}

  async onApplicationShutdown(): Promise<void> {
    await this.transport.close();
  }
}
