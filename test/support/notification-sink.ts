import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FileNotificationRecord } from '@itinera/platform';
import { waitFor } from './test-apps';

export type SentNotification = FileNotificationRecord;

/**
 * The messages the apps "sent": start them with `sink.env()` (NOTIFY_TRANSPORT=file into a file of
 * the sink's own) and read what arrived. Each test file makes its own sink, so files never see
 * each other's messages.
 */
export class NotificationSink {
  readonly dir = mkdtempSync(join(tmpdir(), 'itinera-sink-'));
  readonly path = join(this.dir, `notifications-${randomBytes(3).toString('hex')}.ndjson`);

  /** Overrides for startApi/startWorker. */
  env(): Record<string, string> {
    return { NOTIFY_TRANSPORT: 'file', NOTIFY_FILE_PATH: this.path };
  }

  /** Every message so far, oldest first. */
  async all(): Promise<SentNotification[]> {
    let content: string;
    try {
      content = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    return content
      .split('\n')
      .filter((line) => line.trim())
      .map((line) => JSON.parse(line) as SentNotification);
  }

  /** Messages to `address` (an email or phone number), oldest first. */
  async to(address: string): Promise<SentNotification[]> {
    return (await this.all()).filter((m) => m.to === address);
  }

  /** Waits until at least `count` messages to `address` match `filter`; returns those. */
  async waitFor(
    address: string,
    count = 1,
    filter: (m: SentNotification) => boolean = () => true,
    timeoutMs = 20_000,
  ): Promise<SentNotification[]> {
    return waitFor(
      `${count} message(s) to ${address}`,
      async () => {
        const found = (await this.to(address)).filter(filter);
        return found.length >= count ? found : undefined;
      },
      timeoutMs,
    );
  }

  /** Forgets the messages so far. */
  async clear(): Promise<void> {
    await writeFile(this.path, '');
  }

  async remove(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** The recipient link in a message's text (`…/r/<token>`), or undefined. */
export function linkIn(message: SentNotification): string | undefined {
  return /(https?:\/\/\S+\/r\/[a-z2-7]{32})\b/.exec(message.text)?.[1];
}

/** The token of the recipient link in a message. */
export function tokenIn(message: SentNotification): string | undefined {
  return /\/r\/([a-z2-7]{32})\b/.exec(message.text)?.[1];
}

/** The six-digit verification code in a message, or undefined. */
export function codeIn(message: SentNotification): string | undefined {
  return /\b(\d{6})\b/.exec(message.text)?.[1];
}
