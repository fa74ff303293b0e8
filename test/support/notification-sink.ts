import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
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

/** One message an SmtpSink received: the envelope and the raw DATA (headers and MIME body). */
export interface ReceivedMail {
  from: string;
  to: string[];
  data: string;
}

/**
 * A minimal SMTP server (RFC 5321 without extensions, TLS or auth) for NOTIFY_TRANSPORT=smtp tests:
 * enough for nodemailer to deliver to; keeps each message. No npm SMTP server is installed.
 */
export class SmtpSink {
  readonly messages: ReceivedMail[] = [];
  private readonly server: Server = createServer((socket) => this.session(socket));
  private readonly sockets = new Set<Socket>();

  /** Listens on a free local port; returns the SMTP_URL. */
  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `smtp://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }

  /** Messages whose envelope names `address`. */
  to(address: string): ReceivedMail[] {
    return this.messages.filter((m) => m.to.includes(address));
  }

  private session(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    let buffer = '';
    let inData = false;
    let envelope = { from: '', to: [] as string[] };
    const reply = (line: string) => socket.write(`${line}\r\n`);
    reply('220 sink ESMTP');
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      for (;;) {
        if (inData) {
          const end = buffer.indexOf('\r\n.\r\n');
          if (end < 0) return;
          this.messages.push({ ...envelope, data: buffer.slice(0, end) });
          buffer = buffer.slice(end + 5);
          inData = false;
          reply(`250 OK queued as sink-${this.messages.length}`);
          continue;
        }
        const eol = buffer.indexOf('\r\n');
        if (eol < 0) return;
        const line = buffer.slice(0, eol);
        buffer = buffer.slice(eol + 2);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO' || verb === 'HELO') reply('250 sink');
        else if (verb === 'MAIL') {
          envelope = { from: line.replace(/^MAIL FROM:\s*<?([^>\s]*)>?.*$/i, '$1'), to: [] };
          reply('250 OK');
        } else if (verb === 'RCPT') {
          envelope.to.push(line.replace(/^RCPT TO:\s*<?([^>\s]*)>?.*$/i, '$1'));
          reply('250 OK');
        } else if (verb === 'DATA') {
          inData = true;
          reply('354 go ahead');
        } else if (verb === 'QUIT') {
          reply('221 bye');
          socket.end();
        } else if (verb === 'RSET' || verb === 'NOOP') reply('250 OK');
        else reply('502 not implemented');
      }
    });
  }
}
