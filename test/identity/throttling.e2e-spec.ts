import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { startApi } from '../support/test-apps';
import { register, TEST_PASSWORD } from '../support/identity-fixtures';
import { call, expectProblem, expectStatus, newIp, withoutRequestId, type ApiResponse } from './identity-http';

const LOCKOUT_SECONDS = 60;

describe('throttled sign-in', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    app = await startApi({
      LOGIN_MAX_FAILURES_PER_ACCOUNT: '3',
      LOGIN_MAX_FAILURES_PER_IP: '5',
      LOGIN_LOCKOUT_SECONDS: String(LOCKOUT_SECONDS),
    });
  });
  afterAll(() => app.close());

  const signIn = (email: string, password: string, ip = newIp()) =>
    call(app, 'POST', '/auth/login', { email, password }, { ip });
  const nobody = () => `nobody-${Math.random().toString(36).slice(2)}@example.test`;

  function expectLocked(response: ApiResponse): Record<string, any> {
    const body = expectProblem(response, 429, 'TOO_MANY_FAILED_LOGINS');
    const retryAfter = Number(response.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(LOCKOUT_SECONDS);
    expect(body.detail).toContain(`${retryAfter} seconds`);
    return body;
  }

  it('locks an account after its failures, from any address: 429 with Retry-After, even for the right password', async () => {
    const user = await register(app);
    for (let i = 0; i < 3; i++) expectProblem(await signIn(user.email, 'wrong password'), 401, 'INVALID_CREDENTIALS');
    expectLocked(await signIn(user.email, 'wrong password'));
    expectLocked(await signIn(user.email, TEST_PASSWORD));
    expectLocked(await signIn(user.email.toUpperCase(), TEST_PASSWORD));
    // Another account is not affected.
    const other = await register(app);
    expectStatus(await signIn(other.email, TEST_PASSWORD), 200);
  });

  it('lets no more than the allowed failures through when guesses arrive all at once', async () => {
    const user = await register(app);
    const guesses = await Promise.all(Array.from({ length: 12 }, (_, i) => signIn(user.email, `wrong password ${i}`)));
    const statuses = guesses.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 401)).toHaveLength(3);
    expect(statuses.filter((s) => s === 429)).toHaveLength(9);
    expectLocked(await signIn(user.email, TEST_PASSWORD));
  });

  it('throttles an email that does not exist exactly like one that does, so the answers leak nothing', async () => {
    const user = await register(app);
    const unknown = nobody();
    const answers = async (email: string) => {
      const out: ApiResponse[] = [];
      for (let i = 0; i < 5; i++) out.push(await signIn(email, 'wrong password'));
      return out;
    };
    const existing = await answers(user.email);
    const missing = await answers(unknown);
    expect(missing.map((r) => r.statusCode)).toEqual([401, 401, 401, 429, 429]);
    expect(existing.map((r) => r.statusCode)).toEqual(missing.map((r) => r.statusCode));
    for (let i = 0; i < existing.length; i++) {
      const [a, b] = [withoutRequestId(existing[i].json()), withoutRequestId(missing[i].json())];
      // Retry-After counts down, so the seconds may differ by one between the two.
      expect({ ...a, detail: undefined }).toEqual({ ...b, detail: undefined });
      expect(Object.keys(existing[i].headers).sort()).toEqual(Object.keys(missing[i].headers).sort());
    }
    expectLocked(existing[4]);
    expectLocked(missing[4]);
  });

  it('clears an account’s failures on a successful sign-in', async () => {
    const user = await register(app);
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 2; i++) expectProblem(await signIn(user.email, 'wrong password'), 401);
      expectStatus(await signIn(user.email, TEST_PASSWORD), 200);
    }
  });

  it('limits failures per address across different emails, then refuses even a right password from it', async () => {
    const ip = newIp();
    const user = await register(app);
    for (let i = 0; i < 5; i++) expectProblem(await signIn(nobody(), 'wrong password', ip), 401, 'INVALID_CREDENTIALS');
    expectLocked(await signIn(nobody(), 'wrong password', ip));
    expectLocked(await signIn(user.email, TEST_PASSWORD, ip));
    // The account itself is not locked: from elsewhere it signs in.
    expectStatus(await signIn(user.email, TEST_PASSWORD), 200);
  });

  it('throttles guesses of the current password on the password-change route like sign-in', async () => {
    const user = await register(app);
    const { accessToken } = expectStatus(await signIn(user.email, TEST_PASSWORD), 200).json();
    const change = (currentPassword: string) =>
      call(
        app,
        'POST',
        '/auth/password',
        { currentPassword, newPassword: 'another long passphrase' },
        {
          token: accessToken,
          ip: newIp(),
        },
      );
    for (let i = 0; i < 3; i++) expectProblem(await change(`guess number ${i}`), 401, 'INVALID_CREDENTIALS');
    expectLocked(await change('guess number 4'));
    expectLocked(await change(TEST_PASSWORD));
    expectLocked(await signIn(user.email, TEST_PASSWORD));
  });

  it('refuses a body that fails validation without counting it', async () => {
    const user = await register(app);
    for (let i = 0; i < 5; i++) {
      expectProblem(await signIn(user.email, ''), 400, 'VALIDATION_FAILED');
    }
    expectStatus(await signIn(user.email, TEST_PASSWORD), 200);
  });
});

describe('per-address rate limit of the credential routes', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    app = await startApi({ AUTH_RATE_LIMIT_MAX: '3' });
  });
  afterAll(() => app.close());

  it('answers 429 with Retry-After once an address has sent AUTH_RATE_LIMIT_MAX requests in the minute', async () => {
    const ip = newIp();
    // Different emails, so that only the route limit is at work here, not the per-account one.
    const body = () => ({ email: `someone-${Math.random().toString(36).slice(2)}@example.test`, password: 'whatever' });
    for (let i = 0; i < 3; i++) expectProblem(await call(app, 'POST', '/auth/login', body(), { ip }), 401);
    const limited = await call(app, 'POST', '/auth/login', body(), { ip });
    expectProblem(limited, 429, 'RATE_LIMITED');
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // Even a malformed body is counted before it is read, and another address is not limited.
    expectProblem(await call(app, 'POST', '/auth/login', {}, { ip }), 429, 'RATE_LIMITED');
    expectProblem(await call(app, 'POST', '/auth/login', body(), { ip: newIp() }), 401);
  });
});
