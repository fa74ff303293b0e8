import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { startApi } from '../support/test-apps';
import { platformAdminHeaders } from '../support/identity-fixtures';

describe('HTTP errors: one problem-details shape for every failure', () => {
  let adminHeaders: Record<string, string>;
  beforeAll(async () => {
    adminHeaders = await platformAdminHeaders();
  });

  let app: NestFastifyApplication;

  beforeAll(async () => {
    app = await startApi({ BODY_LIMIT_BYTES: '2048' });
  });
  afterAll(() => app.close());

  const expectProblem = (
    res: { statusCode: number; headers: Record<string, unknown>; json(): any },
    status: number,
    code: string,
  ) => {
    expect(res.statusCode).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const body = res.json();
    expect(body).toMatchObject({
      status,
      code,
      type: expect.stringMatching(/^urn:itinera:problem:/),
      title: expect.any(String),
    });
    expect(body.requestId).toBe(res.headers['x-request-id']);
    expect(JSON.stringify(body)).not.toMatch(/at .*\.(ts|js):\d+|prisma|SELECT /i);
    return body;
  };

  const someId = '00000000-0000-4000-8000-000000000000';

  it('answers malformed JSON with 400 MALFORMED_BODY', async () => {
    const res = await app.inject({
      method: 'POST',
      url: `/admin/outbox/${someId}/retry`,
      headers: { ...adminHeaders, 'content-type': 'application/json' },
      payload: '{"a":',
    });
    expectProblem(res, 400, 'MALFORMED_BODY');
  });

  it('refuses a NUL character anywhere in a JSON body with 400 (PostgreSQL cannot store it)', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/auth/register',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ email: 'nul@example.test', password: 'long enough password', displayName: 'a\u0000b' }),
    });
    expectProblem(res, 400, 'VALIDATION_FAILED');
  });

  it('answers an unknown route with 404 problem+json', async () => {
    const body = expectProblem(await app.inject({ method: 'GET', url: '/no/such/route' }), 404, 'NOT_FOUND');
    expect(body.instance).toBe('/no/such/route');
  });

  it('rejects an unknown query field by name', async () => {
    const body = expectProblem(
      await app.inject({ method: 'GET', headers: adminHeaders, url: '/admin/outbox?colour=red' }),
      400,
      'VALIDATION_FAILED',
    );
    expect(body.errors).toEqual([{ field: 'colour', message: 'is not allowed' }]);
  });

  it('names each invalid field with what is wrong', async () => {
    const body = expectProblem(
      await app.inject({ method: 'GET', headers: adminHeaders, url: '/admin/outbox?limit=0&state=lost' }),
      400,
      'VALIDATION_FAILED',
    );
    expect(body.errors).toEqual(
      expect.arrayContaining([
        { field: 'limit', message: 'must not be less than 1' },
        { field: 'state', message: expect.stringContaining('must be one of the following values') },
      ]),
    );
  });

  it('answers a body over BODY_LIMIT_BYTES with 413', async () => {
    const res = await app.inject({
      method: 'POST',
      url: `/admin/outbox/${someId}/retry`,
      headers: { ...adminHeaders, 'content-type': 'application/json' },
      payload: JSON.stringify({ padding: 'x'.repeat(4096) }),
    });
    expectProblem(res, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('answers an unsupported content type with 415', async () => {
    const res = await app.inject({
      method: 'POST',
      url: `/admin/outbox/${someId}/retry`,
      headers: { ...adminHeaders, 'content-type': 'text/xml' },
      payload: '<a/>',
    });
    expectProblem(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers a malformed id in the path with 400 naming it', async () => {
    const body = expectProblem(
      await app.inject({ method: 'GET', headers: adminHeaders, url: '/admin/outbox/not-a-uuid' }),
      400,
      'VALIDATION_FAILED',
    );
    expect(body.errors).toEqual([{ field: 'id', message: 'must be a UUID' }]);
  });

  it('answers a path segment over 100 characters with 414 and a malformed URL with 400, as problems', async () => {
    const long = expectProblem(
      await app.inject({ method: 'GET', headers: adminHeaders, url: `/admin/outbox/${'a'.repeat(101)}` }),
      414,
      'BAD_REQUEST',
    );
    expect(long.detail).not.toContain('aaaa');
    expectProblem(await app.inject({ method: 'GET', url: '/r/%E0%A4%A' }), 400, 'BAD_REQUEST');
  });

  it('answers an id that does not exist with 404', async () => {
    expectProblem(
      await app.inject({ method: 'GET', headers: adminHeaders, url: `/admin/outbox/${someId}` }),
      404,
      'NOT_FOUND',
    );
  });

  it('answers a forged cursor with 400 INVALID_CURSOR', async () => {
    const forged = Buffer.from(JSON.stringify(['yesterday', 42])).toString('base64url');
    const body = expectProblem(
      await app.inject({ method: 'GET', headers: adminHeaders, url: `/admin/outbox?cursor=${forged}` }),
      400,
      'INVALID_CURSOR',
    );
    expect(body.errors).toEqual([{ field: 'cursor', message: expect.any(String) }]);
  });

  it('echoes an acceptable incoming x-request-id and replaces an unacceptable one', async () => {
    const kept = await app.inject({ method: 'GET', url: '/health/live', headers: { 'x-request-id': 'trace-123.abc' } });
    expect(kept.headers['x-request-id']).toBe('trace-123.abc');
    const replaced = await app.inject({
      method: 'GET',
      url: '/health/live',
      headers: { 'x-request-id': 'bad id\nwith newline' },
    });
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sends API security headers on JSON responses and a page policy on the docs', async () => {
    const api = await app.inject({ method: 'GET', url: '/health/live' });
    expect(api.headers).toMatchObject({
      'content-security-policy': "default-src 'none';frame-ancestors 'none'",
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'strict-transport-security': expect.stringContaining('max-age='),
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
    });
    const docs = await app.inject({ method: 'GET', url: '/docs' });
    expect(docs.headers['content-security-policy']).toContain("script-src 'self' 'unsafe-inline'");
    expect(docs.headers['x-frame-options']).toBe('SAMEORIGIN');
  });
});
