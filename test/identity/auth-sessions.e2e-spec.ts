import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { startApi } from '../support/test-apps';
import {
  asOwner,
  createPlatformAdmin,
  createTenant,
  login,
  register,
  TEST_PASSWORD,
  type TestUser,
} from '../support/identity-fixtures';
import {
  auditActions,
  call,
  expectProblem,
  expectStatus,
  expectUnauthenticated,
  newIp,
  withoutRequestId,
} from './identity-http';

describe('sign-up, sign-in, tokens and sessions', () => {
  let app: NestFastifyApplication;
  let admin: TestUser;

  beforeAll(async () => {
    app = await startApi();
    admin = await createPlatformAdmin(app);
  });
  afterAll(() => app.close());

  const unique = () => Math.random().toString(36).slice(2, 10);
  const me = (token: string) => call(app, 'GET', '/auth/me', undefined, { token });
  const refresh = (refreshToken: string) => call(app, 'POST', '/auth/refresh', { refreshToken });
  const signIn = async (email: string, password = TEST_PASSWORD) =>
    expectStatus(await call(app, 'POST', '/auth/login', { email, password }, { ip: newIp() }), 200).json();

  describe('register', () => {
    it('creates a user with the email lower-cased, and refuses that email again in any case with 409', async () => {
      const email = `Ada.${unique()}@Example.TEST`;
      const created = await call(app, 'POST', '/auth/register', { email, password: TEST_PASSWORD, displayName: 'Ada' });
      expectStatus(created, 201);
      expect(created.json()).toMatchObject({
        id: expect.any(String),
        email: email.toLowerCase(),
        displayName: 'Ada',
        status: 'ACTIVE',
        mfaEnabled: false,
        isPlatformAdmin: false,
      });
      expect(created.body).not.toMatch(/password|hash|scrypt/i);
      for (const again of [email, email.toLowerCase(), email.toUpperCase()]) {
        const body = { email: again, password: TEST_PASSWORD, displayName: 'Ada again' };
        expectProblem(await call(app, 'POST', '/auth/register', body), 409, 'EMAIL_TAKEN');
      }
    });

    it.each([
      ['a short password', { password: 'short' }, 'password'],
      ['a bad email', { email: 'not-an-email' }, 'email'],
      ['an unknown field', { isPlatformAdmin: true }, 'isPlatformAdmin'],
      ['a missing display name', { displayName: undefined }, 'displayName'],
    ])('refuses %s with 400 naming the field', async (_case, change, field) => {
      const body = { email: `bad-${unique()}@example.test`, password: TEST_PASSWORD, displayName: 'B', ...change };
      const problem = expectProblem(await call(app, 'POST', '/auth/register', body), 400, 'VALIDATION_FAILED');
      expect(problem.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
    });
  });

  describe('login', () => {
    it('returns an access token and a refresh token that identify the user', async () => {
      const user = await register(app);
      const tokens = await signIn(user.email.toUpperCase());
      expect(tokens).toMatchObject({
        accessToken: expect.any(String),
        refreshToken: expect.stringMatching(/^itr_/),
        tokenType: 'Bearer',
        expiresIn: 900,
        sessionId: expect.any(String),
        tenantId: null,
      });
      const body = expectStatus(await me(tokens.accessToken), 200).json();
      expect(body).toMatchObject({ user: { id: user.userId, email: user.email }, sessionId: tokens.sessionId });
      expect(await auditActions(tokens.sessionId)).toEqual(['auth.login']);
    });

    it('answers a wrong password and an unknown email with the same 401, apart from the request id', async () => {
      const user = await register(app);
      const ip = newIp();
      const wrongPassword = await call(
        app,
        'POST',
        '/auth/login',
        { email: user.email, password: 'wrong password!' },
        { ip },
      );
      const unknownEmail = await call(
        app,
        'POST',
        '/auth/login',
        { email: `nobody-${unique()}@example.test`, password: 'wrong password!' },
        { ip },
      );
      const a = expectProblem(wrongPassword, 401, 'INVALID_CREDENTIALS');
      const b = expectProblem(unknownEmail, 401, 'INVALID_CREDENTIALS');
      expect(withoutRequestId(a)).toEqual(withoutRequestId(b));
      expect(a.requestId).not.toBe(b.requestId);
      expect(wrongPassword.headers['www-authenticate']).toBe(unknownEmail.headers['www-authenticate']);
    });

    it('refuses malformed sign-in bodies with 400', async () => {
      expectProblem(await call(app, 'POST', '/auth/login', { email: 'x@example.test' }), 400, 'VALIDATION_FAILED');
      const badCode = { email: 'x@example.test', password: 'p', mfaCode: '12ab56' };
      expectProblem(await call(app, 'POST', '/auth/login', badCode), 400, 'VALIDATION_FAILED');
      const badTenant = { email: 'x@example.test', password: 'p', tenantId: 'tenant-b' };
      expectProblem(await call(app, 'POST', '/auth/login', badTenant), 400, 'VALIDATION_FAILED');
    });
  });

  describe('refresh', () => {
    it('rotates: a new pair that works, and the old refresh token is refused', async () => {
      const user = await register(app);
      const first = await signIn(user.email);
      const second = expectStatus(await refresh(first.refreshToken), 200).json();
      expect(second.sessionId).toBe(first.sessionId);
      expect(second.refreshToken).not.toBe(first.refreshToken);
      // (The access token may be byte-identical when issued in the same second: same claims, same iat.)
      expectStatus(await me(second.accessToken), 200);
      expectProblem(await refresh(first.refreshToken), 401, 'INVALID_REFRESH_TOKEN');
    });

    it('refuses unknown and malformed refresh tokens with 401 or 400', async () => {
      expectProblem(await refresh('itr_not-a-token'), 401, 'INVALID_REFRESH_TOKEN');
      expectProblem(await call(app, 'POST', '/auth/refresh', { refreshToken: '' }), 400, 'VALIDATION_FAILED');
      expectProblem(await call(app, 'POST', '/auth/refresh', { refreshToken: 42 }), 400, 'VALIDATION_FAILED');
    });

    it('revokes the whole session when an already-rotated refresh token is presented again, and audits it', async () => {
      const user = await register(app);
      const first = await signIn(user.email);
      const second = expectStatus(await refresh(first.refreshToken), 200).json();
      const third = expectStatus(await refresh(second.refreshToken), 200).json();
      expectStatus(await me(third.accessToken), 200);

      // A thief replays the first token: refused, and the family is ended for everyone.
      expectProblem(await refresh(first.refreshToken), 401, 'INVALID_REFRESH_TOKEN');
      expectProblem(await refresh(third.refreshToken), 401, 'INVALID_REFRESH_TOKEN');
      expectUnauthenticated(await me(third.accessToken));
      expectUnauthenticated(await me(first.accessToken));

      const { rows } = await asOwner((c) =>
        c.query('SELECT revoked_at, revoked_reason FROM auth_sessions WHERE id = $1', [first.sessionId]),
      );
      expect(rows).toEqual([{ revoked_at: expect.any(Date), revoked_reason: 'refresh-token-reuse' }]);
      const audit = await asOwner((c) =>
        c.query("SELECT actor_id, resource_id FROM audit_log WHERE action = 'auth.refresh_token_reused'"),
      );
      expect(audit.rows).toContainEqual({ actor_id: user.userId, resource_id: first.sessionId });
    });

    it('refreshes exactly once when the same token is presented twice at the same time', async () => {
      const user = await register(app);
      const first = await signIn(user.email);
      const answers = await Promise.all([refresh(first.refreshToken), refresh(first.refreshToken)]);
      const statuses = answers.map((a) => a.statusCode).sort();
      expect(statuses).toEqual([200, 401]);
    });
  });

  describe('logout', () => {
    it('ends the session: its access token answers 401 and its refresh token is refused', async () => {
      const user = await register(app);
      const tokens = await signIn(user.email);
      expectStatus(await call(app, 'POST', '/auth/logout', undefined, { token: tokens.accessToken }), 204);
      expectUnauthenticated(await me(tokens.accessToken));
      expectProblem(await refresh(tokens.refreshToken), 401, 'INVALID_REFRESH_TOKEN');
      expect(await auditActions(tokens.sessionId)).toEqual(['auth.login', 'auth.logout']);
      expectUnauthenticated(await call(app, 'POST', '/auth/logout'));
    });
    it('stops a signed-out access token at once, even while other requests are using it', async () => {
      // Requests in flight during the logout used to re-cache the session as active for the cache TTL.
      for (let round = 0; round < 6; round++) {
        const user = await register(app);
        const tokens = await signIn(user.email);
        let signedOut = false;
        const useMeanwhile = async () => {
          while (!signedOut) await me(tokens.accessToken);
        };
        const users = [useMeanwhile(), useMeanwhile()];
        await new Promise((resolve) => setTimeout(resolve, 10));
        const logout = await call(app, 'POST', '/auth/logout', undefined, { token: tokens.accessToken });
        signedOut = true;
        await Promise.all(users);
        expectStatus(logout, 204);
        expectUnauthenticated(await me(tokens.accessToken));
      }
    });
  });

  describe('sessions', () => {
    it('lists your own sessions, newest first, marking the current one', async () => {
      const user = await register(app);
      const older = await signIn(user.email);
      const newer = await signIn(user.email);
      const other = await register(app);
      await signIn(other.email);
      const list = expectStatus(await call(app, 'GET', '/auth/sessions', undefined, { token: older.accessToken }), 200);
      expect(list.json().data.map((s: { id: string; current: boolean }) => [s.id, s.current])).toEqual([
        [newer.sessionId, false],
        [older.sessionId, true],
      ]);
      const firstPage = await call(app, 'GET', '/auth/sessions?limit=1', undefined, { token: older.accessToken });
      const { data, page } = expectStatus(firstPage, 200).json();
      expect(data.map((s: { id: string }) => s.id)).toEqual([newer.sessionId]);
      const rest = await call(app, 'GET', `/auth/sessions?limit=1&cursor=${page.nextCursor}`, undefined, {
        token: older.accessToken,
      });
      expect(
        expectStatus(rest, 200)
          .json()
          .data.map((s: { id: string }) => s.id),
      ).toEqual([older.sessionId]);
    });

    it("revokes one of your sessions (its tokens stop working), and answers 404 for another user's", async () => {
      const user = await register(app);
      const kept = await signIn(user.email);
      const ended = await signIn(user.email);
      const other = await register(app);
      const othersSession = await signIn(other.email);

      const revoke = (id: string) =>
        call(app, 'DELETE', `/auth/sessions/${id}`, undefined, { token: kept.accessToken });
      expectStatus(await revoke(ended.sessionId), 204);
      expectUnauthenticated(await me(ended.accessToken));
      expectProblem(await refresh(ended.refreshToken), 401, 'INVALID_REFRESH_TOKEN');
      expectStatus(await me(kept.accessToken), 200);
      expectStatus(await revoke(ended.sessionId), 204);

      expectProblem(await revoke(othersSession.sessionId), 404, 'NOT_FOUND');
      expectStatus(await me(othersSession.accessToken), 200);
      expectProblem(await revoke('00000000-0000-4000-8000-000000000000'), 404, 'NOT_FOUND');
      expectProblem(await revoke('not-a-uuid'), 400);
    });
  });

  describe('password change', () => {
    it('ends every other session, keeps the current one, and retires the old password', async () => {
      const user = await register(app);
      const current = await signIn(user.email);
      const elsewhere = await signIn(user.email);
      const newPassword = 'a brand new passphrase';

      const wrong = { currentPassword: 'not the password', newPassword };
      const refused = await call(app, 'POST', '/auth/password', wrong, { token: current.accessToken, ip: newIp() });
      expectProblem(refused, 401, 'INVALID_CREDENTIALS');
      const tooShort = { currentPassword: TEST_PASSWORD, newPassword: 'short' };
      expectProblem(await call(app, 'POST', '/auth/password', tooShort, { token: current.accessToken }), 400);

      const change = { currentPassword: TEST_PASSWORD, newPassword };
      expectStatus(await call(app, 'POST', '/auth/password', change, { token: current.accessToken }), 204);
      expectUnauthenticated(await me(elsewhere.accessToken));
      expectProblem(await refresh(elsewhere.refreshToken), 401, 'INVALID_REFRESH_TOKEN');
      expectStatus(await me(current.accessToken), 200);
      expectStatus(await refresh(current.refreshToken), 200);

      const oldPassword = { email: user.email, password: TEST_PASSWORD };
      expectProblem(await call(app, 'POST', '/auth/login', oldPassword, { ip: newIp() }), 401, 'INVALID_CREDENTIALS');
      await signIn(user.email, newPassword);
      expect(await auditActions(user.userId)).toContain('user.password_changed');
    });
  });

  describe('switch tenant', () => {
    it('gives tokens that act in the other tenant, and refuses a tenant you are not a member of with 403', async () => {
      const first = await createTenant(app, admin, ['OWNER']);
      const second = await createTenant(app, admin, ['OWNER']);
      const stranger = await createTenant(app, admin, ['OWNER']);
      const user = await register(app);
      for (const [tenant, role] of [
        [first, 'MEMBER'],
        [second, 'VIEWER'],
      ] as const) {
        const add = await call(
          app,
          'POST',
          '/tenant/members',
          { email: user.email, role },
          {
            token: tenant.users.OWNER!.accessToken,
          },
        );
        expectStatus(add, 201);
      }
      const tokens = await login(app, user.email, TEST_PASSWORD, first.id);
      expect(
        expectStatus(await call(app, 'GET', '/tenant', undefined, { token: tokens.accessToken }), 200).json().id,
      ).toBe(first.id);

      const switched = await call(
        app,
        'POST',
        '/auth/switch-tenant',
        { tenantId: second.id },
        {
          token: tokens.accessToken,
        },
      );
      const next = expectStatus(switched, 200).json();
      expect(next).toMatchObject({ tenantId: second.id, sessionId: tokens.sessionId });
      const tenant = await call(app, 'GET', '/tenant', undefined, { token: next.accessToken });
      expect(expectStatus(tenant, 200).json().id).toBe(second.id);
      expect(expectStatus(await me(next.accessToken), 200).json()).toMatchObject({
        activeTenantId: second.id,
        activeRole: 'VIEWER',
      });
      // A VIEWER in the second tenant, whatever the user was in the first.
      expectProblem(
        await call(app, 'GET', '/tenant/members', undefined, { token: next.accessToken }),
        403,
        'FORBIDDEN',
      );
      const renewed = expectStatus(await refresh(next.refreshToken), 200).json();
      expect(renewed.tenantId).toBe(second.id);

      const refused = await call(
        app,
        'POST',
        '/auth/switch-tenant',
        { tenantId: stranger.id },
        {
          token: renewed.accessToken,
        },
      );
      expectProblem(refused, 403, 'TENANT_UNAVAILABLE');
      const unknown = await call(app, 'POST', '/auth/switch-tenant', { tenantId: 'x' }, { token: renewed.accessToken });
      expectProblem(unknown, 400, 'VALIDATION_FAILED');
      const signInElsewhere = { email: user.email, password: TEST_PASSWORD, tenantId: stranger.id };
      expectProblem(
        await call(app, 'POST', '/auth/login', signInElsewhere, { ip: newIp() }),
        403,
        'TENANT_UNAVAILABLE',
      );
    });
  });

  describe('/auth/me', () => {
    it('shows the user, their tenants and the active one, and nothing secret', async () => {
      const tenant = await createTenant(app, admin, ['OWNER', 'MANAGER']);
      const manager = tenant.users.MANAGER!;
      const body = expectStatus(await me(manager.accessToken), 200).json();
      expect(body).toEqual({
        user: expect.objectContaining({ id: manager.userId, email: manager.email, mfaEnabled: false }),
        memberships: [
          expect.objectContaining({
            tenantId: tenant.id,
            tenantDomain: tenant.domain,
            role: 'MANAGER',
            tenantActive: true,
          }),
        ],
        activeTenantId: tenant.id,
        activeRole: 'MANAGER',
        sessionId: manager.sessionId,
      });
      expect(JSON.stringify(body)).not.toMatch(/hash|secret|scrypt/i);
    });

    it('answers 401 with a Bearer challenge without credentials', async () => {
      expectUnauthenticated(await call(app, 'GET', '/auth/me'));
      expectUnauthenticated(await call(app, 'GET', '/auth/sessions'));
    });
  });
});
