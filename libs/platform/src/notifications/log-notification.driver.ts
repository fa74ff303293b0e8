import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { maskAddress } from './mask-address';
import type { NotificationDriver, NotificationReceipt, OutgoingNotification } from './notification-transport';

/**
 * NOTIFY_TRANSPORT=log: one structured log line per message, with the address masked and the
 * subject, never the body (bodies carry links and codes, which are secrets).
 */
export class LogNotificationDriver implements NotificationDriver {
  readonly name = 'log';
  private readonly logger = new Logger('NotificationTransport');

  send(message: OutgoingNotification): Promise<NotificationReceipt> {
    const providerMessageId = `log-${randomUUID()}`;
    this.logger.log(
      {
        notification: {
          channel: message.channel,
          to: maskAddress(message.to),
          subject: message.subject,
          providerMessageId,
        },
      },
      'notification sent (log transport; body not logged)',
    );
    return Promise.resolve({ providerMessageId });
  }
}
