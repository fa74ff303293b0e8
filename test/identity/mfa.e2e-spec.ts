import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { startApi } from '../support/test-apps';
import { asOwner, register, TEST_PASSWORD } from '../support/identity-fixtures';
import { awaitTotpStepWith, call, expectProblem, expectStatus, newIp, totpCode, totpStep } from './identity-http';

describe('MFA with time-based one-time passwords', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    app = await startApi({ LOGIN_MAX_FAILURES_PER_ACCOUNT: '3' });
  });
  afterAll(() => app.close());

  /** A signed-in user who has enrolled MFA and confirmed it with the code of step `step - 1`. */
  async function userWithMfa(ip: string) {
    const user = await register(app);
    const tokens = expectStatus(
      await call(app, 'POST', '/auth/login', { email: user.email, password: TEST_PASSWORD }, { ip }),
      200,
    ).json();
    const enrolment = expectStatus(
      await call(app, 'POST', '/auth/mfa/enrol', undefined, { token: tokens.accessToken }),
      200,
    ).json();
    // The codes of the steps around the current one are valid; each step can be used once, in order.
    await awaitTotpStepWith(3_000);
    const step = totpStep();
    const confirm = await call(
      app,
      'POST',
      '/auth/mfa/confirm',
      { code: totpCode(enrolment.secret, step - 1) },
      {
        token: tokens.accessToken,
      },
    );
    expectStatus(confirm, 204);
    return { ...user, ...tokens, secret: enrolment.secret as string, step };
  }

  it('enrols, confirms with a code, then requires a code at sign-in, refuses its replay, and disables', async () => {
    const ip = newIp();
    const user = await register(app);
    const signIn = (mfaCode?: string) =>
      call(
        app,
        'POST',
        '/auth/login',
        { email: user.email, password: TEST_PASSWORD, ...(mfaCode ? { mfaCode } : {}) },
        { ip },
      );
    const tokens = expectStatus(await signIn(), 200).json();
    const auth = { token: tokens.accessToken };

    const enrolment = expectStatus(await call(app, 'POST', '/auth/mfa/enrol', undefined, auth), 200).json();
    expect(enrolment.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(enrolment.otpauthUrl).toMatch(/^otpauth:\/\/totp\//);
    expect(enrolment.otpauthUrl).toContain(`secret=${enrolment.secret}`);
    const { rows } = await asOwner((c) =>
      c.query('SELECT mfa_secret, mfa_enabled_at FROM users WHERE id = $1', [user.userId]),
    );
    expect(rows[0].mfa_enabled_at).toBeNull();
    expect(rows[0].mfa_secret).not.toContain(enrolment.secret);

    // Enrolled but not confirmed: sign-in needs no code yet.
    expectStatus(await signIn(), 200);
    const wrong = await call(
      app,
      'POST',
      '/auth/mfa/confirm',
      { code: totpCode(enrolment.secret, totpStep() + 10) },
      auth,
    );
    expectProblem(wrong, 400, 'INVALID_MFA_CODE');
    expectProblem(await call(app, 'POST', '/auth/mfa/confirm', { code: 'abcdef' }, auth), 400, 'VALIDATION_FAILED');

    await awaitTotpStepWith(3_000);
    const step = totpStep();
    const confirmCode = totpCode(enrolment.secret, step - 1);
    expectStatus(await call(app, 'POST', '/auth/mfa/confirm', { code: confirmCode }, auth), 204);
    expect(expectStatus(await call(app, 'GET', '/auth/me', undefined, auth), 200).json().user.mfaEnabled).toBe(true);
    expectProblem(await call(app, 'POST', '/auth/mfa/enrol', undefined, auth), 409, 'MFA_STATE');
    expectProblem(
      await call(app, 'POST', '/auth/mfa/confirm', { code: totpCode(enrolment.secret, step) }, auth),
      409,
      'MFA_STATE',
    );

    expectProblem(await signIn(), 401, 'MFA_REQUIRED');
    // The code used to confirm belongs to a step already used: refused.
    expectProblem(await signIn(confirmCode), 401, 'INVALID_CREDENTIALS');
    const code = totpCode(enrolment.secret, step);
    const withCode = expectStatus(await signIn(code), 200).json();
    const sessions = expectStatus(
      await call(app, 'GET', '/auth/sessions', undefined, { token: withCode.accessToken }),
      200,
    );
    expect(sessions.json().data[0]).toMatchObject({ id: withCode.sessionId, method: 'password+totp' });
    // The same code again, as a phisher relaying it would: refused.
    expectProblem(await signIn(code), 401, 'INVALID_CREDENTIALS');

    const disableAuth = { token: withCode.accessToken };
    expectProblem(await call(app, 'POST', '/auth/mfa/disable', { code }, disableAuth), 400, 'INVALID_MFA_CODE');
    expectStatus(
      await call(app, 'POST', '/auth/mfa/disable', { code: totpCode(enrolment.secret, step + 1) }, disableAuth),
      204,
    );
    expectProblem(
      await call(app, 'POST', '/auth/mfa/disable', { code: totpCode(enrolment.secret, step + 1) }, disableAuth),
      409,
      'MFA_STATE',
    );
    expectStatus(await signIn(), 200);

    const { rows: audit } = await asOwner((c) =>
      c.query("SELECT action FROM audit_log WHERE resource_id = $1 AND action LIKE 'user.mfa%' ORDER BY seq", [
        user.userId,
      ]),
    );
    expect(audit.map((r) => r.action)).toEqual(['user.mfa_enrolment_started', 'user.mfa_enabled', 'user.mfa_disabled']);
  });

  it('lets one of two concurrent sign-ins with the same code through, never both', async () => {
    const ip = newIp();
    const user = await userWithMfa(ip);
    const code = totpCode(user.secret, user.step);
    const attempts = await Promise.all(
      [1, 2, 3].map(() =>
        call(app, 'POST', '/auth/login', { email: user.email, password: TEST_PASSWORD, mfaCode: code }, { ip }),
      ),
    );
    expect(attempts.map((r) => r.statusCode).sort()).toEqual([200, 401, 401]);
  });

  it('counts wrong codes as failed sign-ins: they are audited and lock the account like wrong passwords', async () => {
    const ip = newIp();
    const user = await userWithMfa(ip);
    const signIn = (mfaCode: string) =>
      call(app, 'POST', '/auth/login', { email: user.email, password: TEST_PASSWORD, mfaCode }, { ip });
    for (let i = 0; i < 3; i++) {
      expectProblem(await signIn(totpCode(user.secret, user.step + 10 + i)), 401, 'INVALID_CREDENTIALS');
    }
    const locked = await signIn(totpCode(user.secret, user.step));
    expectProblem(locked, 429, 'TOO_MANY_FAILED_LOGINS');
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);

    const { rows } = await asOwner((c) =>
      c.query(
        "SELECT metadata->>'reason' AS reason FROM audit_log WHERE action = 'auth.login_failed' AND resource_id = $1",
        [user.userId],
      ),
    );
    expect(rows.map((r) => r.reason)).toEqual(['wrong-mfa-code', 'wrong-mfa-code', 'wrong-mfa-code']);
  });
});
