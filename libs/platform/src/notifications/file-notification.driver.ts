import { randomUUID } from 'node:crypto';
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { NotificationDriver, NotificationReceipt, OutgoingNotification } from './notification-transport';

/** One line of the file transport's output (what tests and local development read). */
export interface FileNotificationRecord {
  providerMessageId: string;
  sentAt: string;
  channel: OutgoingNotification['channel'];
  to: string;
  subject?: string;
  text: string;
  html?: string;
}

/**
 * NOTIFY_TRANSPORT=file: appends one JSON line per message, whole, to NOTIFY_FILE_PATH (its directory
 * created on first use). Writes of one process are serialised so lines never interleave; several
 * processes append with O_APPEND, one write per line.
 */
export class FileNotificationDriver implements NotificationDriver {
  readonly name = 'file';
  private ready?: Promise<unknown>;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly path: string) {}

  send(message: OutgoingNotification): Promise<NotificationReceipt> {
    const record: FileNotificationRecord = {
      providerMessageId: `file-${randomUUID()}`,
      sentAt: new Date().toISOString(),
      channel: message.channel,
      to: message.to,
      ...(message.subject !== undefined ? { subject: message.subject } : {}),
      text: message.text,
      ...(message.html !== undefined ? { html: message.html } : {}),
    };
    const line = `${JSON.stringify(record)}\n`;
    // Made once; a failure (e.g. a permission fixed meanwhile) is tried again by the next message.
    this.ready ??= mkdir(dirname(this.path), { recursive: true }).catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    const write = this.queue.then(async () => {
      await this.ready;
      await appendFile(this.path, line, { encoding: 'utf8', flag: 'a' });
    });
    // A failed write fails its own send only, not the ones queued after it.
    this.queue = write.catch(() => undefined);
    return write.then(() => ({ providerMessageId: record.providerMessageId }));
  }
}
