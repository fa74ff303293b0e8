import { connect, type Socket } from 'node:net';
import type { Readable } from 'node:stream';
import type { AttachmentScanner, ScanVerdict } from './attachment-scanner';

/** Largest chunk sent in one INSTREAM frame (clamd's default StreamMaxLength is far larger in total). */
const MAX_FRAME = 64 * 1024;

/**
 * ClamAV's daemon over TCP with the INSTREAM command: `zINSTREAM\0`, then frames of a 4-byte
 * big-endian length and that many bytes, then a zero-length frame; clamd answers one NUL-terminated
 * line, `stream: OK` or `stream: <signature> FOUND` (anything else, such as `... ERROR`, is a
 * failure that the job retries).
 */
export class ClamdScanner implements AttachmentScanner {
  readonly name = 'clamd';

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly timeoutMs = 60_000,
  ) {}

  async scan(content: Readable): Promise<ScanVerdict> {
    const socket = await this.connect();
    try {
      const reply = this.replyOf(socket);
      // Awaited below; this only keeps a reply that fails while a write is failing from going unhandled.
      reply.catch(() => undefined);
      await write(socket, Buffer.from('zINSTREAM\0', 'latin1'));
      for await (const chunk of content) {
        const data = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
        for (let offset = 0; offset < data.length; offset += MAX_FRAME) {
          const frame = data.subarray(offset, offset + MAX_FRAME);
          const length = Buffer.alloc(4);
          length.writeUInt32BE(frame.length);
          await write(socket, Buffer.concat([length, frame]));
        }
      }
      await write(socket, Buffer.alloc(4));
      return parseClamdReply(await reply);
    } finally {
      content.destroy();
      socket.destroy();
    }
  }

  private connect(): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: this.host, port: this.port });
      socket.setTimeout(this.timeoutMs, () =>
        socket.destroy(new Error(`clamd did not answer within ${this.timeoutMs} ms`)),
      );
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(socket);
      });
      socket.once('error', reject);
    });
  }

  /** Everything clamd sends up to its NUL (or the end of the connection). */
  private replyOf(socket: Socket): Promise<string> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      const finish = () =>
        resolve(
          Buffer.concat(chunks)
            .toString('utf8')
            .replace(/\0[\s\S]*$/, '')
            .trim(),
        );
      socket.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        if (chunk.includes(0)) finish();
      });
      socket.once('end', finish);
      socket.once('close', finish);
      socket.once('error', reject);
    });
  }
}

/** `stream: OK` / `stream: <name> FOUND`; anything else throws. */
export function parseClamdReply(reply: string): ScanVerdict {
  if (/^(?:stream|\d+): OK$/.test(reply)) return { infected: false };
  const found = /^(?:stream|\d+): (.+) FOUND$/.exec(reply);
  if (found) return { infected: true, signature: found[1].slice(0, 500) };
  throw new Error(`clamd answered ${JSON.stringify(reply.slice(0, 200))}`);
}

function write(socket: Socket, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.write(data, (error) => (error ? reject(error) : resolve()));
  });
}
