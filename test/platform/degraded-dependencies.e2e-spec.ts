import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { startApi } from '../support/test-apps';
import { platformAdminHeaders } from '../support/identity-fixtures';
import { TcpProxy } from '../support/tcp-proxy';

describe('dependencies down', () => {
  let adminHeaders: Record<string, string>;
  beforeAll(async () => {
    adminHeaders = await platformAdminHeaders();
  });

  describe('Redis unreachable', () => {
    let proxy: TcpProxy;
    let app: NestFastifyApplication;

    beforeAll(async () => {
      proxy = await TcpProxy.closed(process.env.REDIS_URL!);
      app = await startApi({ REDIS_URL: proxy.urlFor(process.env.REDIS_URL!) });
    });
    afterAll(async () => {
      await app.close();
      await proxy.close();
    });

    it('reports not ready with 503 naming Redis, in the problem shape', async () => {
      const res = await app.inject({ method: 'GET', url: '/health/ready' });
      expect(res.statusCode).toBe(503);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.headers['retry-after']).toBe('5');
      const body = res.json();
      expect(body.code).toBe('SERVICE_UNAVAILABLE');
      expect(body.checks.database.status).toBe('up');
      expect(body.checks.redis.status).toBe('down');
    });

    it('stays alive and keeps serving routes that do not need Redis', async () => {
      expect((await app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
      expect((await app.inject({ method: 'GET', headers: adminHeaders, url: '/admin/outbox' })).statusCode).toBe(200);
    });

    it('becomes ready once Redis is back', async () => {
      await proxy.open();
      const deadline = Date.now() + 15_000;
      let status = 0;
      while (Date.now() < deadline && status !== 200) {
        status = (await app.inject({ method: 'GET', url: '/health/ready' })).statusCode;
        if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(status).toBe(200);
    });
  });

  describe('PostgreSQL', () => {
    it('refuses to start after DATABASE_STARTUP_TIMEOUT_MS with a clear error when it never answers', async () => {
      const proxy = await TcpProxy.closed(process.env.DATABASE_URL!);
      await expect(
        startApi({ DATABASE_URL: proxy.urlFor(process.env.DATABASE_URL!), DATABASE_STARTUP_TIMEOUT_MS: '1000' }),
      ).rejects.toThrow(/PostgreSQL at 127\.0\.0\.1:\d+\/\S+ did not answer within 1000 ms/);
    });

    it('recovers without a restart when PostgreSQL comes back', async () => {
      const proxy = await TcpProxy.closed(process.env.DATABASE_URL!);
      await proxy.open();
      const app = await startApi({ DATABASE_URL: proxy.urlFor(process.env.DATABASE_URL!) });
      try {
        expect((await app.inject({ method: 'GET', headers: adminHeaders, url: '/admin/outbox' })).statusCode).toBe(200);
        await proxy.close(); // every pooled connection is cut, as by a server restart
        const during = await app.inject({ method: 'GET', headers: adminHeaders, url: '/admin/outbox' });
        expect(during.statusCode).toBe(503);
        expect(during.json().code).toBe('SERVICE_UNAVAILABLE');
        await proxy.open();
        expect((await app.inject({ method: 'GET', headers: adminHeaders, url: '/admin/outbox' })).statusCode).toBe(200);
        expect((await app.inject({ method: 'GET', url: '/health/ready' })).json().checks.database.status).toBe('up');
      } finally {
        await app.close();
        await proxy.close();
      }
    });
  });
});
