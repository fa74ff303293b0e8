import type {
  NotificationDriver,
  NotificationReceipt,
  NotificationTransport,
  OutgoingNotification,
} from './notification-transport';

/**
 * Emails to the selected driver; SMS to the SMS hook when configured, otherwise to `smsFallback`
 * (the selected driver when it is log or file; the log driver when it is SMTP, which cannot text).
 */
export class RoutingNotificationTransport implements NotificationTransport {
  constructor(
    private readonly email: NotificationDriver,
    private readonly sms: NotificationDriver,
  ) {}

  send(message: OutgoingNotification): Promise<NotificationReceipt> {
    return message.channel === 'SMS' ? this.sms.send(message) : this.email.send(message);
  }

  async close(): Promise<void> {
    await Promise.all([...new Set([this.email, this.sms])].map((driver) => driver.close?.()));
  }
}
