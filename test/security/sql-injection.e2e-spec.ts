import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { startApi } from '../support/test-apps';
import {
  asOwner,
  bearer,
  createPlatformAdmin,
  createTenant,
  type TestTenant,
  type TestUser,
} from '../support/identity-fixtures';

/** Classic injection strings; none may do anything but be refused by validation or stored as text. */
const PAYLOADS = [
  "' OR '1'='1",
  "'; DROP TABLE users; --",
  "x'); DELETE FROM api_keys; --",
  '" OR ""="',
  '1; SELECT pg_sleep(5); --',
  '$$; TRUNCATE audit_log; $$',
  "\\'; UPDATE users SET is_platform_admin = true; --",
];

describe('SQL through string fields', () => {
  let app: NestFastifyApplication;
  let admin: TestUser;
  let tenant: TestTenant;

  const counts = () =>
    asOwner(async (db) => {
      const { rows } = await db.query<{ users: number; keys: number; admins: number }>(
        `SELECT (SELECT count(*)::int FROM users) AS users, (SELECT count(*)::int FROM api_keys) AS keys,
                (SELECT count(*)::int FROM users WHERE is_platform_admin) AS admins`,
      );
      return rows[0];
    });

  beforeAll(async () => {
    app = await startApi({ RATE_LIMIT_MAX: '100000' });
    admin = await createPlatformAdmin(app);
    tenant = await createTenant(app, admin, ['OWNER']);
  });
  afterAll(() => app.close());

  it('are refused or stored verbatim, and change nothing else', async () => {
    const owner = bearer(tenant.users.OWNER!.accessToken);
    const before = await counts();
    const startedAt = Date.now();
    for (const payload of PAYLOADS) {
      const responses = await Promise.all([
        app.inject({ method: 'POST', url: '/auth/login', payload: { email: payload, password: payload } }),
        app.inject({
          method: 'POST',
          url: '/auth/login',
          payload: { email: `a${Date.now()}@example.test`, password: payload },
        }),
        app.inject({ method: 'POST', url: '/auth/refresh', payload: { refreshToken: payload } }),
        app.inject({
          method: 'POST',
          url: '/tenant/members',
          headers: owner,
          payload: { email: payload, role: 'MEMBER' },
        }),
        app.inject({ method: 'GET', url: `/audit-events?action=${encodeURIComponent(payload)}`, headers: owner }),
        app.inject({ method: 'GET', url: `/audit-events?resourceId=${encodeURIComponent(payload)}`, headers: owner }),
        app.inject({
          method: 'GET',
          url: `/admin/tenants?cursor=${encodeURIComponent(payload)}`,
          headers: bearer(admin.accessToken),
        }),
      ]);
      for (const response of responses) {
        expect(response.statusCode).toBeGreaterThanOrEqual(200);
        expect(response.statusCode).toBeLessThan(500);
      }
      const key = await app.inject({
        method: 'POST',
        url: '/api-keys',
        headers: owner,
        payload: { name: payload, scopes: ['read'] },
      });
      expect(key.statusCode).toBe(201);
      expect(key.json().name).toBe(payload);
      const patched = await app.inject({
        method: 'PATCH',
        url: `/admin/tenants/${tenant.id}`,
        headers: bearer(admin.accessToken),
        payload: { name: payload, metadata: { note: payload } },
      });
      expect(patched.json()).toMatchObject({ name: payload, metadata: { note: payload } });
    }
    // Nothing slept, nothing was deleted, dropped or promoted; only the keys made above were added.
    expect(Date.now() - startedAt).toBeLessThan(30_000);
    expect(await counts()).toEqual({ ...before, keys: before.keys + PAYLOADS.length });
  });
});
