import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createSigner } from 'fast-jwt';
import { randomBytes } from 'node:crypto';
import { startApi, testEnvironment, waitFor } from '../support/test-apps';
import {
  asOwner,
  createApiKey,
  createPlatformAdmin,
  createTenant,
  login,
  TEST_PASSWORD,
  type TestTenant,
  type TestUser,
} from '../support/identity-fixtures';
import { call, expectProblem, expectStatus, expectUnauthenticated, newIp } from './identity-http';

const env = testEnvironment();
const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An access token as Itinera signs one, with `options` changed: the tests' forger. */
function forge(
  claims: Record<string, unknown>,
  options: { key?: string; iss?: string; aud?: string; clockTimestamp?: number; algorithm?: 'HS256' | 'HS512' } = {},
): string {
  const sign = createSigner({
    key: options.key ?? env.JWT_SECRET,
    algorithm: options.algorithm ?? 'HS256',
    iss: options.iss ?? env.JWT_ISSUER,
    aud: options.aud ?? env.JWT_ISSUER,
    expiresIn: env.ACCESS_TOKEN_TTL_SECONDS * 1000,
    ...(options.clockTimestamp ? { clockTimestamp: options.clockTimestamp } : {}),
  });
  return sign(claims);
}

describe('attacks on tokens and API keys', () => {
  let app: NestFastifyApplication;
  let admin: TestUser;
  let tenant: TestTenant;
  let member: TestUser;
  let claims: { sub: string; sid: string; tid: string };

  beforeAll(async () => {
    app = await startApi();
    admin = await createPlatformAdmin(app);
    tenant = await createTenant(app, admin, ['OWNER', 'MEMBER']);
    member = tenant.users.MEMBER!;
    claims = { sub: member.userId, sid: member.sessionId, tid: tenant.id };
  });
  afterAll(() => app.close());

  const me = (headers: Record<string, string>) => call(app, 'GET', '/auth/me', undefined, { headers });
  const asBearer = (token: string) => ({ authorization: `Bearer ${token}` });

  it('accepts a token forged with the real secret and claims (so the refusals below are about what they change)', async () => {
    expectStatus(await me(asBearer(forge(claims))), 200);
  });

  it.each([
    ['no scheme', 'abc'],
    ['an empty bearer', 'Bearer '],
    ['a bare scheme', 'Bearer'],
    ['Basic credentials', `Basic ${Buffer.from('a@b.c:password').toString('base64')}`],
    ['a non-JWT', 'Bearer not-a-jwt'],
    ['three empty parts', 'Bearer ..'],
    ['garbage parts', 'Bearer eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl'],
    ['a header that is not JSON', `Bearer ${Buffer.from('{"alg":').toString('base64url')}.e30.sig`],
    ['a long token', `Bearer ${'a'.repeat(6000)}.${'b'.repeat(6000)}.c`],
    ['a malformed API key', 'Bearer itk_tooshort_secret'],
    ['an API key with an unknown prefix', `Bearer itk_aaaaaaaaaaaa_${randomBytes(32).toString('base64url')}`],
  ])('refuses %s with 401 problem details and a Bearer challenge', async (_case, authorization) => {
    expectUnauthenticated(await me({ authorization }));
  });

  it('refuses an expired token', async () => {
    const anHourAgo = Date.now() - 3_600_000;
    const expired = forge(claims, { clockTimestamp: anHourAgo - env.ACCESS_TOKEN_TTL_SECONDS * 1000 });
    expectUnauthenticated(await me(asBearer(expired)));
  });

  it('refuses a token signed with another key, or with the right key but another algorithm', async () => {
    expectUnauthenticated(await me(asBearer(forge(claims, { key: randomBytes(32).toString('hex') }))));
    expectUnauthenticated(await me(asBearer(forge(claims, { algorithm: 'HS512' }))));
  });

  it('refuses alg "none" tokens, signed or not', async () => {
    const payload = { ...claims, iss: env.JWT_ISSUER, aud: env.JWT_ISSUER, exp: Math.floor(Date.now() / 1000) + 600 };
    for (const alg of ['none', 'None', 'NONE']) {
      const unsigned = `${base64url({ alg, typ: 'JWT' })}.${base64url(payload)}.`;
      expectUnauthenticated(await me(asBearer(unsigned)));
      const validSignature = forge(claims).split('.')[2];
      expectUnauthenticated(await me(asBearer(`${unsigned}${validSignature}`)));
    }
  });

  it('refuses a token for another issuer or audience', async () => {
    expectUnauthenticated(await me(asBearer(forge(claims, { iss: 'someone-else' }))));
    expectUnauthenticated(await me(asBearer(forge(claims, { aud: 'someone-else' }))));
  });

  it('refuses a token whose payload was changed after signing', async () => {
    const [header, , signature] = forge(claims).split('.');
    const other = await createTenant(app, admin, ['OWNER']);
    const payload = base64url({ ...claims, tid: other.id, exp: Math.floor(Date.now() / 1000) + 600 });
    expectUnauthenticated(await me(asBearer(`${header}.${payload}.${signature}`)));
  });

  it('refuses well-signed tokens whose claims are not what Itinera issues, without a server error', async () => {
    for (const odd of [
      { ...claims, sid: 'not-a-uuid' },
      { ...claims, tid: 'not-a-uuid' },
      { ...claims, sub: 'not-a-uuid' },
      { ...claims, sid: 42 },
      { ...claims, tid: ['x'] },
      { sub: member.userId, tid: tenant.id },
      { ...claims, sid: '00000000-0000-4000-8000-000000000000' },
      { ...claims, sub: admin.userId },
    ]) {
      expectUnauthenticated(await me(asBearer(forge(odd))));
    }
    // A member's own session naming a tenant they do not belong to.
    const other = await createTenant(app, admin, ['OWNER']);
    expectUnauthenticated(await me(asBearer(forge({ ...claims, tid: other.id }))));
  });

  describe('API keys', () => {
    it('authenticate as X-API-Key and as a bearer token; a route without @ApiKeyScopes refuses them with 403', async () => {
      const { key } = await createApiKey(app, tenant);
      for (const headers of [{ 'x-api-key': key }, asBearer(key)]) {
        const refused = await call(app, 'GET', '/tenant', undefined, { headers });
        expect(expectProblem(refused, 403, 'FORBIDDEN').detail).toMatch(/API key/);
        expectProblem(await call(app, 'GET', '/tenant/members', undefined, { headers }), 403, 'FORBIDDEN');
        expectProblem(await call(app, 'POST', '/api-keys', { name: 'k', scopes: ['read'] }, { headers }), 403);
        expectProblem(await call(app, 'GET', '/auth/me', undefined, { headers }), 403, 'FORBIDDEN');
      }
    });

    it('record last_used_at when used', async () => {
      const { id, key } = await createApiKey(app, tenant);
      const before = await asOwner((c) => c.query('SELECT last_used_at FROM api_keys WHERE id = $1', [id]));
      expect(before.rows[0].last_used_at).toBeNull();
      await call(app, 'GET', '/tenant', undefined, { headers: { 'x-api-key': key } });
      const lastUsed = await waitFor('last_used_at', async () => {
        const { rows } = await asOwner((c) => c.query('SELECT last_used_at FROM api_keys WHERE id = $1', [id]));
        return rows[0].last_used_at as Date | null;
      });
      expect(Math.abs(lastUsed.getTime() - Date.now())).toBeLessThan(60_000);
    });

    it('refuse a revoked key, an expired key and a key with a wrong secret with 401', async () => {
      const revoked = await createApiKey(app, tenant);
      const owner = { token: tenant.users.OWNER!.accessToken };
      expectProblem(await call(app, 'GET', '/tenant', undefined, { headers: { 'x-api-key': revoked.key } }), 403);
      expectStatus(await call(app, 'DELETE', `/api-keys/${revoked.id}`, undefined, owner), 200);
      expectUnauthenticated(await call(app, 'GET', '/tenant', undefined, { headers: { 'x-api-key': revoked.key } }));
      expectUnauthenticated(await call(app, 'GET', '/tenant', undefined, { headers: asBearer(revoked.key) }));

      const expired = await createApiKey(app, tenant);
      await asOwner((c) =>
        c.query("UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1", [expired.id]),
      );
      expectUnauthenticated(await call(app, 'GET', '/tenant', undefined, { headers: { 'x-api-key': expired.key } }));

      const valid = await createApiKey(app, tenant);
      const wrongSecret = `${valid.key.slice(0, 17)}${randomBytes(32).toString('base64url')}`;
      expectUnauthenticated(await call(app, 'GET', '/tenant', undefined, { headers: { 'x-api-key': wrongSecret } }));
    });

    it('are created only with a storable expiry in the future (400 otherwise)', async () => {
      const owner = { token: tenant.users.OWNER!.accessToken };
      for (const expiresAt of ['2001-01-01T00:00:00Z', '+275760-09-13T00:00:00.000Z', 1e15, 'soon']) {
        const res = await call(app, 'POST', '/api-keys', { name: 'k', scopes: ['read'], expiresAt }, owner);
        const { errors } = expectProblem(res, 400, 'VALIDATION_FAILED');
        expect(new Set(errors.map((e: { field: string }) => e.field))).toEqual(new Set(['expiresAt']));
      }
      const later = await call(
        app,
        'POST',
        '/api-keys',
        { name: 'k', scopes: ['read'], expiresAt: '9999-12-31T00:00:00Z' },
        owner,
      );
      expect(expectStatus(later, 201).json().expiresAt).toBe('9999-12-31T00:00:00.000Z');
    });
  });

  describe('a deactivated tenant', () => {
    it('refuses its API keys, its users’ existing tokens, and sign-in to it; reactivation restores them', async () => {
      const victim = await createTenant(app, admin, ['OWNER', 'MEMBER']);
      const user = victim.users.MEMBER!;
      const { key } = await createApiKey(app, victim);
      const keyHeaders = { headers: { 'x-api-key': key } };
      expectProblem(await call(app, 'GET', '/tenant', undefined, keyHeaders), 403);
      expectStatus(await call(app, 'GET', '/tenant', undefined, { token: user.accessToken }), 200);

      const byOwner = await call(app, 'POST', `/admin/tenants/${victim.id}/deactivate`, undefined, {
        token: victim.users.OWNER!.accessToken,
      });
      expectProblem(byOwner, 403, 'FORBIDDEN');
      const deactivated = await call(app, 'POST', `/admin/tenants/${victim.id}/deactivate`, undefined, {
        token: admin.accessToken,
      });
      expect(expectStatus(deactivated, 200).json()).toMatchObject({ active: false, deactivatedAt: expect.any(String) });

      expectUnauthenticated(await call(app, 'GET', '/tenant', undefined, keyHeaders));
      expectUnauthenticated(await call(app, 'GET', '/tenant', undefined, { token: user.accessToken }));
      expectUnauthenticated(await call(app, 'GET', '/auth/me', undefined, { token: user.accessToken }));
      const signIn = { email: user.email, password: TEST_PASSWORD, tenantId: victim.id };
      expectProblem(await call(app, 'POST', '/auth/login', signIn, { ip: newIp() }), 403, 'TENANT_UNAVAILABLE');
      // Their refresh token still renews the session, but no longer into the tenant.
      const renewed = expectStatus(await call(app, 'POST', '/auth/refresh', { refreshToken: user.refreshToken }), 200);
      expect(renewed.json().tenantId).toBeNull();
      expectProblem(
        await call(app, 'GET', '/tenant', undefined, { token: renewed.json().accessToken }),
        403,
        'TENANT_REQUIRED',
      );

      const reactivated = await call(
        app,
        'PATCH',
        `/admin/tenants/${victim.id}`,
        { active: true },
        {
          token: admin.accessToken,
        },
      );
      expect(expectStatus(reactivated, 200).json()).toMatchObject({ active: true, deactivatedAt: null });
      expectProblem(await call(app, 'GET', '/tenant', undefined, keyHeaders), 403);
      const again = await login(app, user.email, TEST_PASSWORD, victim.id);
      expectStatus(await call(app, 'GET', '/tenant', undefined, { token: again.accessToken }), 200);
    });
  });
});
