import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { startApi } from '../support/test-apps';
import { platformAdminHeaders } from '../support/identity-fixtures';

describe('HTTP protection', () => {
  let adminHeaders: Record<string, string>;
  beforeAll(async () => {
    adminHeaders = await platformAdminHeaders();
  });

  describe('rate limits', () => {
    let app: NestFastifyApplication;

    beforeAll(async () => {
      app = await startApi({ RATE_LIMIT_MAX: '3', RATE_LIMIT_TTL_SECONDS: '60' });
    });
    afterAll(() => app.close());

    it('answers 429 problem+json with Retry-After once a client IP exceeds the limit', async () => {
      const statuses: number[] = [];
      let last;
      for (let i = 0; i < 4; i++) {
        last = await app.inject({ method: 'GET', headers: adminHeaders, url: '/admin/outbox' });
        statuses.push(last.statusCode);
      }
      expect(statuses).toEqual([200, 200, 200, 429]);
      expect(last!.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
      expect(last!.json()).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
    });

    it('never limits health probes or metrics scrapes', async () => {
      for (let i = 0; i < 6; i++) {
        expect((await app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
        expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
      }
    });
  });

  describe('CORS', () => {
    it('allows only the configured origins', async () => {
      const app = await startApi({ CORS_ORIGINS: 'https://app.example' });
      try {
        const preflight = (origin: string) =>
          app.inject({
            method: 'OPTIONS',
            url: '/admin/outbox',
            headers: { ...adminHeaders, origin, 'access-control-request-method': 'GET' },
          });
        expect((await preflight('https://app.example')).headers['access-control-allow-origin']).toBe(
          'https://app.example',
        );
        expect((await preflight('https://evil.example')).headers['access-control-allow-origin']).toBeUndefined();
      } finally {
        await app.close();
      }
    });

    it('sends no CORS headers when no origin is configured', async () => {
      const app = await startApi({ CORS_ORIGINS: '' });
      try {
        const res = await app.inject({
          method: 'GET',
          url: '/health/live',
          headers: { origin: 'https://app.example' },
        });
        expect(res.headers['access-control-allow-origin']).toBeUndefined();
      } finally {
        await app.close();
      }
    });
  });

  describe('metrics', () => {
    it('exports HTTP latency by route template, query timings and queue depths', async () => {
      const app = await startApi();
      try {
        await app.inject({ method: 'GET', headers: adminHeaders, url: '/admin/outbox?limit=1' });
        const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
        expect(text).toMatch(
          /http_request_duration_seconds_count\{method="GET",route="\/admin\/outbox",status_code="200"\} \d+/,
        );
        expect(text).toMatch(/db_query_duration_seconds_count\{operation="select",table="outbox_messages"\} \d+/);
        expect(text).toMatch(/queue_jobs\{queue="maintenance",state="waiting"\} \d+/);
        expect(text).toMatch(/outbox_pending_messages \d+/);
      } finally {
        await app.close();
      }
    });
  });
});
