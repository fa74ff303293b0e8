/** How a message reaches its addressee. */
export type NotificationChannelKind = 'EMAIL' | 'SMS';

/** One message to send. `text` (and `html`) may hold secrets (links, codes): never log them. */
export interface OutgoingNotification {
  channel: NotificationChannelKind;
  /** An email address (EMAIL) or an E.164 phone number (SMS). */
  to: string;
  /** Email subject; ignored for SMS. */
  subject?: string;
  text: string;
  html?: string;
}

/** What the provider answered: its id of the message, for the delivery record. */
export interface NotificationReceipt {
  providerMessageId: string;
}

/** One way of delivering messages (log, file, SMTP, an SMS hook). */
export interface NotificationDriver {
  /** The driver's name, for logs and provider message ids. */
  readonly name: string;
  /** Delivers `message` or rejects (the caller records the failure and retries). */
  send(message: OutgoingNotification): Promise<NotificationReceipt>;
  /** Releases connections at shutdown. */
  close?(): Promise<void>;
}

/**
 * The platform's notification transport (inject this class): emails go to the driver NOTIFY_TRANSPORT
 * selects; SMS to SMS_WEBHOOK_URL when set, otherwise to that driver as well (log or file). It only
 * delivers: which messages exist and whether they were sent is the calling domain's record.
 */
export abstract class NotificationTransport {
  abstract send(message: OutgoingNotification): Promise<NotificationReceipt>;
}
