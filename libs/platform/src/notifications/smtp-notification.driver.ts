import { createTransport, type Transporter } from 'nodemailer';
import type { NotificationDriver, NotificationReceipt, OutgoingNotification } from './notification-transport';

/** How long connecting, greeting and each SMTP command may take before the send fails (and is retried). */
const SMTP_TIMEOUT_MS = 15_000;

/** NOTIFY_TRANSPORT=smtp: nodemailer over SMTP_URL (e.g. compose's Mailpit), from SMTP_FROM. */
export class SmtpNotificationDriver implements NotificationDriver {
  readonly name = 'smtp';
  private readonly transporter: Transporter;

  constructor(
    url: string,
    private readonly from: string,
  ) {
    this.transporter = createTransport({
      url,
      connectionTimeout: SMTP_TIMEOUT_MS,
      greetingTimeout: SMTP_TIMEOUT_MS,
      socketTimeout: SMTP_TIMEOUT_MS,
    } as Parameters<typeof createTransport>[0]);
  }

  async send(message: OutgoingNotification): Promise<NotificationReceipt> {
    const info = (await this.transporter.sendMail({
      from: this.from,
      to: message.to,
      subject: message.subject ?? '',
      text: message.text,
      ...(message.html !== undefined ? { html: message.html } : {}),
    })) as { messageId?: string };
    return { providerMessageId: info.messageId ?? 'smtp-unknown' };
  }

  close(): Promise<void> {
    this.transporter.close();
    return Promise.resolve();
  }
}
