import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { FileNotificationDriver, type FileNotificationRecord } from './file-notification.driver';
import { LogNotificationDriver } from './log-notification.driver';
import { maskAddress } from './mask-address';
import { notificationTransportFor } from './notifications.module';
import type { AppConfig } from '../config/app-config.module';
import type { NotificationDriver, OutgoingNotification } from './notification-transport';
import { RoutingNotificationTransport } from './routing-notification.transport';
import { SmsWebhookDriver } from './sms-webhook.driver';
import { SmtpNotificationDriver } from './smtp-notification.driver';
import { SmtpSink } from '../../../../test/support/smtp-sink';

const email = (text = 'your link: https://x/r/abc'): OutgoingNotification => ({
  channel: 'EMAIL',
  to: 'ann@example.com',
  subject: 'A document for you',
  text,
});

async function listen<S extends HttpServer | TcpServer>(server: S): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

const close = (server: HttpServer | TcpServer) => new Promise((resolve) => server.close(resolve));

describe('FileNotificationDriver', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'itinera-notify-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates the directory and appends one whole JSON line per message, in order', async () => {
    const path = join(dir, 'nested', 'deeper', 'out.ndjson');
    const driver = new FileNotificationDriver(path);
    const receipts = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        driver.send({ ...email(`message ${i} ${'x'.repeat(5_000)}`), html: `<p>${i}</p>` }),
      ),
    );
    const lines = (await readFile(path, 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(50);
    const records = lines.map((line) => JSON.parse(line) as FileNotificationRecord);
    expect(records.map((r) => r.text.split(' ')[1])).toEqual(receipts.map((_, i) => String(i)));
    expect(records.map((r) => r.providerMessageId)).toEqual(receipts.map((r) => r.providerMessageId));
    expect(records[3]).toMatchObject({
      channel: 'EMAIL',
      to: 'ann@example.com',
      subject: 'A document for you',
      html: '<p>3</p>',
    });
    expect(new Set(receipts.map((r) => r.providerMessageId)).size).toBe(50);
  });

  it('rejects when the file cannot be written (a path under a file)', async () => {
    const driver = new FileNotificationDriver(join(dir, 'missing-dir-is-a-file'));
    await driver.send(email());
    const blocked = new FileNotificationDriver(join(dir, 'missing-dir-is-a-file', 'out.ndjson'));
    await expect(blocked.send(email())).rejects.toThrow();
  });
});

describe('SmsWebhookDriver', () => {
  let server: HttpServer;
  let url: string;
  let answer: (req: IncomingMessage) => { status: number; body?: string; delayMs?: number };
  const timers: NodeJS.Timeout[] = [];
  const received: { method?: string; contentType?: string; body: unknown }[] = [];

  beforeAll(async () => {
    server = createHttpServer((req, res) => {
      let raw = '';
      req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
      req.on('end', () => {
        received.push({ method: req.method, contentType: req.headers['content-type'], body: JSON.parse(raw) });
        const { status, body, delayMs } = answer(req);
        const timer = setTimeout(() => {
          if (!res.writableEnded) res.writeHead(status, { 'content-type': 'application/json' }).end(body ?? '');
        }, delayMs ?? 0);
        timers.push(timer);
      });
    });
    url = `http://127.0.0.1:${await listen(server)}/sms`;
  });
  afterAll(async () => {
    timers.forEach(clearTimeout);
    server.closeAllConnections();
    await close(server);
  });
  beforeEach(() => {
    received.length = 0;
  });

  it('POSTs { to, body } as JSON and returns the provider id of the answer', async () => {
    answer = () => ({ status: 202, body: JSON.stringify({ id: 'prov-42' }) });
    const receipt = await new SmsWebhookDriver(url).send({ channel: 'SMS', to: '+15551234567', text: 'code 123456' });
    expect(receipt).toEqual({ providerMessageId: 'prov-42' });
    expect(received).toEqual([
      { method: 'POST', contentType: 'application/json', body: { to: '+15551234567', body: 'code 123456' } },
    ]);
  });

  it('makes up a provider id when the answer has none', async () => {
    answer = () => ({ status: 200, body: 'ok' });
    const receipt = await new SmsWebhookDriver(url).send({ channel: 'SMS', to: '+15551234567', text: 'hi' });
    expect(receipt.providerMessageId).toMatch(/^sms-/);
  });

  it('fails on a non-2xx answer, a redirect, an unreachable hook and a hook too slow to answer', async () => {
    answer = () => ({ status: 500 });
    await expect(new SmsWebhookDriver(url).send({ channel: 'SMS', to: '+1555', text: 'x' })).rejects.toThrow(
      'SMS hook answered HTTP 500',
    );
    answer = () => ({ status: 302 });
    await expect(new SmsWebhookDriver(url).send({ channel: 'SMS', to: '+1555', text: 'x' })).rejects.toThrow(
      'HTTP 302',
    );
    answer = () => ({ status: 200, delayMs: 2_000 });
    await expect(new SmsWebhookDriver(url, 200).send({ channel: 'SMS', to: '+1555', text: 'x' })).rejects.toThrow(
      'no answer within 200 ms',
    );
    const unused = createTcpServer();
    const port = await listen(unused);
    await close(unused);
    await expect(
      new SmsWebhookDriver(`http://127.0.0.1:${port}/sms`).send({ channel: 'SMS', to: '+1555', text: 'x' }),
    ).rejects.toThrow(/SMS hook failed/);
  });
});

describe('SmtpNotificationDriver', () => {
  const smtp = new SmtpSink();
  let url: string;
  beforeAll(async () => {
    url = await smtp.start();
  });
  afterAll(async () => {
    await smtp.stop();
  });

  it('delivers through a real SMTP conversation from SMTP_FROM', async () => {
    const driver = new SmtpNotificationDriver(url, 'Itinera <no-reply@itinera.test>');
    try {
      const receipt = await driver.send({
        ...email('Open https://x/r/abc'),
        html: '<a href="https://x/r/abc">open</a>',
      });
      expect(receipt.providerMessageId).toMatch(/@/);
      expect(smtp.messages).toHaveLength(1);
      const [message] = smtp.messages;
      expect(message.from).toBe('no-reply@itinera.test');
      expect(message.to).toEqual(['ann@example.com']);
      expect(message.data).toContain('Subject: A document for you');
      expect(message.data).toContain('Open https://x/r/abc');
      expect(message.data).toContain(receipt.providerMessageId);
    } finally {
      await driver.close();
    }
  });

  it('fails when the server refuses the recipient', async () => {
    smtp.reject = true;
    const driver = new SmtpNotificationDriver(url, 'no-reply@itinera.test');
    try {
      await expect(driver.send(email())).rejects.toThrow(/550/);
    } finally {
      smtp.reject = false;
      await driver.close();
    }
  });
});

describe('RoutingNotificationTransport', () => {
  const recorder = (name: string) => {
    const sent: OutgoingNotification[] = [];
    const driver: NotificationDriver = {
      name,
      send: (m) => {
        sent.push(m);
        return Promise.resolve({ providerMessageId: `${name}-1` });
      },
    };
    return { driver, sent };
  };

  it('sends emails to the selected driver and SMS to the SMS driver', async () => {
    const mail = recorder('mail');
    const sms = recorder('sms');
    const transport = new RoutingNotificationTransport(mail.driver, sms.driver);
    expect(await transport.send(email())).toEqual({ providerMessageId: 'mail-1' });
    expect(await transport.send({ channel: 'SMS', to: '+15550001111', text: 't' })).toEqual({
      providerMessageId: 'sms-1',
    });
    expect(mail.sent.map((m) => m.channel)).toEqual(['EMAIL']);
    expect(sms.sent.map((m) => m.channel)).toEqual(['SMS']);
  });
});

describe('maskAddress', () => {
  it('keeps the first letter and the domain of an email, the ends of a phone number', () => {
    expect(maskAddress('ann@example.com')).toBe('a***@example.com');
    expect(maskAddress('+15551234567')).toBe('+1*******567');
    expect(maskAddress('123')).toBe('***');
  });
});

describe('notificationTransportFor', () => {
  const configOf = (env: Record<string, string | undefined>) =>
    ({ get: (key: string) => env[key] }) as unknown as AppConfig;

  it('with NOTIFY_TRANSPORT=file and no SMS hook, writes emails and SMS to the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'itinera-notify-'));
    try {
      const path = join(dir, 'out.ndjson');
      const transport = notificationTransportFor(configOf({ NOTIFY_TRANSPORT: 'file', NOTIFY_FILE_PATH: path }));
      await transport.send(email());
      await transport.send({ channel: 'SMS', to: '+15550001111', text: 'sms body' });
      const records = (await readFile(path, 'utf8'))
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as FileNotificationRecord);
      expect(records.map((r) => [r.channel, r.to])).toEqual([
        ['EMAIL', 'ann@example.com'],
        ['SMS', '+15550001111'],
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('LogNotificationDriver', () => {
  afterEach(() => jest.restoreAllMocks());

  it('logs the channel, the masked address and the subject, never the body', async () => {
    const log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const secret = 'https://x/r/abcdefghijklmnopqrstuvwxyz234567';
    const receipt = await new LogNotificationDriver().send({
      ...email(`open ${secret}`),
      html: `<a href="${secret}">x</a>`,
    });
    expect(log).toHaveBeenCalledTimes(1);
    const logged = JSON.stringify(log.mock.calls[0]);
    expect(logged).not.toContain(secret);
    expect(logged).not.toContain('ann@example.com');
    expect(logged).toContain('a***@example.com');
    expect(logged).toContain('A document for you');
    expect(logged).toContain(receipt.providerMessageId);
  });
});
