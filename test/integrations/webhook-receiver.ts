import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type ReceiverMode = 'ok' | 'fail' | 'redirect' | 'slow';

export interface ReceivedWebhook {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  receivedAt: number;
}

/**
 * A real HTTP server on 127.0.0.1 that webhook deliveries reach: each path (`/hooks/<name>`) answers
 * in the mode set for it (200, 500, 302, or 200 after `slowMs`), and every request is recorded.
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  private readonly modes = new Map<string, ReceiverMode>();
  private server!: Server;
  slowMs = 3_000;

  static async start(): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver();
    receiver.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = req.url ?? '/';
        receiver.received.push({
          path,
          headers: req.headers,
          body: Buffer.concat(chunks).toString(),
          receivedAt: Date.now(),
        });
        const mode = receiver.modes.get(path) ?? 'ok';
        if (mode === 'fail') {
          res.writeHead(500, { 'content-type': 'text/plain' }).end('x'.repeat(100_000));
        } else if (mode === 'redirect') {
          res.writeHead(302, { location: `http://127.0.0.1:${receiver.port}/elsewhere` }).end();
        } else if (mode === 'slow') {
          const timer = setTimeout(() => res.writeHead(200).end('late'), receiver.slowMs);
          res.on('close', () => clearTimeout(timer));
        } else {
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
        }
      });
    });
    await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** A URL of this receiver answering in `mode` (changeable later with `setMode`). */
  url(name: string, mode: ReceiverMode = 'ok'): string {
    this.modes.set(`/hooks/${name}`, mode);
    return `http://127.0.0.1:${this.port}/hooks/${name}`;
  }

  setMode(name: string, mode: ReceiverMode): void {
    this.modes.set(`/hooks/${name}`, mode);
  }

  requestsTo(name: string): ReceivedWebhook[] {
    return this.received.filter((r) => r.path === `/hooks/${name}`);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
