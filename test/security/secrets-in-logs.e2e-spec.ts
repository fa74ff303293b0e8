import { startApi } from '../support/test-apps';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import { personalInfo, registerPatient } from '../patient-repository/records-fixtures';
import {
  asOwner,
  bearer,
  createPlatformAdmin,
  createTenant,
  register,
  TEST_PASSWORD,
  type TestTenant,
  type TestUser,
} from '../support/identity-fixtures';
import { acceptsApiKey, isPublic, loadOpenApi, operationsOf } from './openapi-walk';

/**
 * Nothing secret in the logs. The API runs at LOG_LEVEL=trace, with every statement counted as
 * slow (so the slow-query log prints them all), while a user registers, signs in (also wrongly, and
 * with an MFA code), refreshes and replays a refresh token, changes the password, and an owner
 * creates, uses and revokes an API key; some requests carry bad tokens and malformed bodies with
 * passwords in them. Everything the process writes to stdout and stderr meanwhile is captured,
 * and none of the secrets used may appear in it, nor in any error answer. The same holds for a
 * patient's personal information and health data, which pass through registration, the identity
 * challenge (wrong answers too), entries (a malformed code too), consent, export and an analysis.
 *
 * Capture: nestjs-pino's loggers are created when the app starts, and pino writes to
 * process.stdout itself (instead of its own fd 1 stream) when process.stdout.write has been
 * replaced (pino/lib/tools.js, hasBeenTampered); so both writes are replaced before the app
 * starts and put back after it has closed.
 */

const hex = (bytes = 8) => randomBytes(bytes).toString('hex');
const b64url = (bytes: number) => randomBytes(bytes).toString('base64url');

describe('secrets in logs', () => {
  let app: NestFastifyApplication;
  const captured: string[] = [];
  const restores: (() => void)[] = [];
  /** [what, value]: everything that must never be logged. */
  const secrets: [string, string][] = [];
  /** Six-digit TOTP codes, looked for as whole numbers (a timestamp holds any six digits). */
  const codes: string[] = [];
  /** Request ids of answered requests, to prove the capture saw the request log. */
  const requestIds: string[] = [];
  /** Every error answer, which must not carry secrets either. */
  const errorAnswers: string[] = [];
  const serverErrors: string[] = [];

  const jwtSecret = b64url(36);
  const encryptionKey = randomBytes(32).toString('base64');

  function capture(stream: NodeJS.WriteStream, passThrough: boolean): () => void {
    const own = Object.getOwnPropertyDescriptor(stream, 'write');
    const original = stream.write.bind(stream);
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      captured.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
      if (passThrough) return (original as (...args: unknown[]) => boolean)(chunk, ...rest);
      const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
      if (callback) process.nextTick(callback);
      return true;
    }) as typeof stream.write;
    return () => {
      if (own) Object.defineProperty(stream, 'write', own);
      else delete (stream as { write?: unknown }).write;
    };
  }

  const secret = (what: string, value: string | undefined) => {
    if (value) secrets.push([what, value]);
  };

  /** A request through the app, keeping its request id and, for errors, its body. */
  async function send(options: {
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
    url: string;
    headers?: Record<string, string>;
    payload?: object | string;
  }) {
    const response = await app.inject(options);
    const requestId = response.headers['x-request-id'];
    if (typeof requestId === 'string' && response.statusCode < 300) requestIds.push(requestId);
    if (response.statusCode >= 400) errorAnswers.push(`${options.method} ${options.url}: ${response.body}`);
    if (response.statusCode >= 500) serverErrors.push(`${options.method} ${options.url}: ${response.body}`);
    return response;
  }

  function tokensOf(what: string, pair: { accessToken: string; refreshToken: string }) {
    secret(`${what} access token`, pair.accessToken);
    secret(`${what} access token signature`, pair.accessToken.split('.')[2]);
    secret(`${what} refresh token`, pair.refreshToken);
  }

  beforeAll(async () => {
    restores.push(capture(process.stdout, false), capture(process.stderr, true));
    app = await startApi({
      LOG_LEVEL: 'trace',
      DATABASE_SLOW_QUERY_MS: '1',
      JWT_SECRET: jwtSecret,
      ENCRYPTION_KEYS: `logtest:${encryptionKey}`,
      RATE_LIMIT_MAX: '1000000',
    });
    secret('JWT_SECRET', jwtSecret);
    secret('ENCRYPTION_KEYS key', encryptionKey);
    secret('the fixtures’ password', TEST_PASSWORD);
    for (const name of ['DATABASE_URL', 'DIRECT_DATABASE_URL']) {
      const password = new URL(process.env[name]!).password;
      // The password is only recognisable next to its user (the app role's password is its name).
      if (password) secret(`${name} credentials`, `${new URL(process.env[name]!).username}:${password}@`);
    }
  });

  afterAll(async () => {
    await app?.close();
    for (const restore of restores.reverse()) restore();
  });

  it('runs sign-up, sign-in, MFA, refresh, password change, API keys and error paths', async () => {
    const admin: TestUser = await createPlatformAdmin(app);
    tokensOf('admin', admin);
    const tenant: TestTenant = await createTenant(app, admin, ['OWNER']);
    const ownerUser = tenant.users.OWNER!;
    tokensOf('owner', ownerUser);

    // Sign-up and sign-in, right and wrong.
    const password = `Pw-${hex()}`;
    const newPassword = `Pw-${hex()}`;
    const wrongPasswords = [`Wrong-${hex()}`, `Wrong-${hex()}`, `Wrong-${hex()}`];
    [password, newPassword].forEach((p, i) => secret(`password ${i + 1}`, p));
    wrongPasswords.forEach((p, i) => secret(`wrong password ${i + 1}`, p));
    const user = await register(app, `logs-${hex(4)}@example.test`, password);
    expect(
      (
        await send({
          method: 'POST',
          url: '/tenant/members',
          payload: { email: user.email, role: 'MEMBER' },
          headers: bearer(ownerUser.accessToken),
        })
      ).statusCode,
    ).toBe(201);
    const wrong = await send({
      method: 'POST',
      url: '/auth/login',
      payload: { email: user.email, password: wrongPasswords[0] },
    });
    expect(wrong.statusCode).toBe(401);
    const nobody = await send({
      method: 'POST',
      url: '/auth/login',
      payload: { email: `nobody-${hex(4)}@example.test`, password: wrongPasswords[1] },
    });
    expect(nobody.statusCode).toBe(401);
    const signedIn = await send({
      method: 'POST',
      url: '/auth/login',
      payload: { email: user.email, password, tenantId: tenant.id },
    });
    expect(signedIn.statusCode).toBe(200);
    const first = signedIn.json<{ accessToken: string; refreshToken: string }>();
    tokensOf('first sign-in', first);
    expect((await send({ method: 'GET', url: '/auth/me', headers: bearer(first.accessToken) })).statusCode).toBe(200);

    // Refresh, then a replay of the rotated token (which ends the session).
    const refreshed = await send({
      method: 'POST',
      url: '/auth/refresh',
      payload: { refreshToken: first.refreshToken },
    });
    expect(refreshed.statusCode).toBe(200);
    tokensOf('refreshed', refreshed.json());
    const replayed = await send({
      method: 'POST',
      url: '/auth/refresh',
      payload: { refreshToken: first.refreshToken },
    });
    expect(replayed.statusCode).toBe(401);

    // MFA: enrol, confirm with a code, sign in without, with a wrong and with a right code.
    const second = (
      await send({ method: 'POST', url: '/auth/login', payload: { email: user.email, password, tenantId: tenant.id } })
    ).json<{ accessToken: string; refreshToken: string }>();
    tokensOf('second sign-in', second);
    const enrolled = await send({ method: 'POST', url: '/auth/mfa/enrol', headers: bearer(second.accessToken) });
    expect(enrolled.statusCode).toBe(200);
    const { secret: seed, otpauthUrl } = enrolled.json<{ secret: string; otpauthUrl: string }>();
    secret('TOTP seed', seed);
    secret('TOTP seed in the otpauth URL', new URL(otpauthUrl).searchParams.get('secret') ?? undefined);
    const totp = new TOTP({ algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(seed) });
    const now = Date.now();
    const confirmCode = totp.generate({ timestamp: now });
    const loginCode = totp.generate({ timestamp: now + 30_000 });
    const wrongCode = String((Number(confirmCode) + 500_000) % 1_000_000).padStart(6, '0');
    codes.push(confirmCode, loginCode, wrongCode);
    const confirmed = await send({
      method: 'POST',
      url: '/auth/mfa/confirm',
      payload: { code: confirmCode },
      headers: bearer(second.accessToken),
    });
    expect(confirmed.statusCode).toBe(204);
    const noCode = await send({ method: 'POST', url: '/auth/login', payload: { email: user.email, password } });
    expect(noCode.json().code).toBe('MFA_REQUIRED');
    const badCode = await send({
      method: 'POST',
      url: '/auth/login',
      payload: { email: user.email, password, mfaCode: wrongCode },
    });
    expect(badCode.statusCode).toBe(401);
    const withCode = await send({
      method: 'POST',
      url: '/auth/login',
      payload: { email: user.email, password, mfaCode: loginCode, tenantId: tenant.id },
    });
    expect(withCode.statusCode).toBe(200);
    const third = withCode.json<{ accessToken: string; refreshToken: string }>();
    tokensOf('MFA sign-in', third);

    // Password change: wrong current password, then right.
    const badChange = await send({
      method: 'POST',
      url: '/auth/password',
      payload: { currentPassword: wrongPasswords[2], newPassword },
      headers: bearer(third.accessToken),
    });
    expect(badChange.statusCode).toBe(401);
    const changed = await send({
      method: 'POST',
      url: '/auth/password',
      payload: { currentPassword: password, newPassword },
      headers: bearer(third.accessToken),
    });
    expect(changed.statusCode).toBe(204);
    const afterChange = await send({
      method: 'POST',
      url: '/auth/login',
      payload: { email: user.email, password: newPassword },
    });
    expect(afterChange.json().code).toBe('MFA_REQUIRED');

    // An API key: created, used both ways (on a route that takes keys when there is one, and on
    // one that refuses them), tried with a wrong secret, revoked, used again.
    const created = await send({
      method: 'POST',
      url: '/api-keys',
      payload: { name: 'log test', scopes: ['read', 'write'] },
      headers: bearer(ownerUser.accessToken),
    });
    expect(created.statusCode).toBe(201);
    const key = created.json<{ id: string; key: string }>();
    const [, prefix, keySecret] = /^itk_([a-z2-7]{12})_(.+)$/.exec(key.key)!;
    secret('API key', key.key);
    secret('API key secret part', keySecret);
    const forgedKey = `itk_${prefix}_${b64url(32)}`;
    secret('API key with a made-up secret', forgedKey);
    const keyed = operationsOf(await loadOpenApi(app)).find(
      (o) => o.method === 'get' && acceptsApiKey(o) && !isPublic(o) && !o.path.includes('{'),
    );
    for (const url of [keyed?.path, '/tenant'].filter((u): u is string => Boolean(u))) {
      for (const headers of [
        { 'x-api-key': key.key },
        bearer(key.key),
        { 'x-api-key': forgedKey },
        bearer(forgedKey),
      ]) {
        expect((await send({ method: 'GET', url, headers })).statusCode).toBeLessThan(500);
      }
    }
    const revoked = await send({
      method: 'DELETE',
      url: `/api-keys/${key.id}`,
      headers: bearer(ownerUser.accessToken),
    });
    expect(revoked.statusCode).toBe(200);
    expect((await send({ method: 'GET', url: '/tenant', headers: { 'x-api-key': key.key } })).statusCode).toBe(401);

    // Bad tokens: garbage, a tampered signature, a made-up refresh token.
    const garbage = `garbage-${b64url(24)}`;
    const [h, p] = third.accessToken.split('.');
    const tampered = `${h}.${p}.${b64url(32)}`;
    const madeUpRefresh = b64url(32);
    secret('garbage bearer token', garbage);
    secret('tampered access token', tampered);
    secret('made-up refresh token', madeUpRefresh);
    expect((await send({ method: 'GET', url: '/auth/me', headers: bearer(garbage) })).statusCode).toBe(401);
    expect((await send({ method: 'GET', url: '/auth/me', headers: bearer(tampered) })).statusCode).toBe(401);
    expect(
      (await send({ method: 'POST', url: '/auth/refresh', payload: { refreshToken: madeUpRefresh } })).statusCode,
    ).toBe(401);

    // Malformed and invalid bodies with secrets in them.
    const inBrokenJson = `Broken-${hex()}`;
    const inBrokenJson2 = `Broken-${hex()}`;
    const tooShort = `S-${hex(3)}`;
    const inWrongType = `Typed-${hex()}`;
    secret('password in malformed JSON', inBrokenJson);
    secret('new password in malformed JSON', inBrokenJson2);
    secret('too short password', tooShort);
    secret('password beside a field of the wrong type', inWrongType);
    const json = { 'content-type': 'application/json' };
    const broken = await send({
      method: 'POST',
      url: '/auth/login',
      payload: `{"email":"${user.email}","password":"${inBrokenJson}"`,
      headers: json,
    });
    expect(broken.statusCode).toBe(400);
    const broken2 = await send({
      method: 'POST',
      url: '/auth/password',
      payload: `{"currentPassword":"${newPassword}","newPassword":"${inBrokenJson2}",}`,
      headers: { ...json, ...bearer(third.accessToken) },
    });
    expect(broken2.statusCode).toBe(400);
    const short = await send({
      method: 'POST',
      url: '/auth/register',
      payload: { email: `short-${hex(4)}@example.test`, password: tooShort, displayName: 'Short' },
    });
    expect(short.statusCode).toBe(400);
    const typed = await send({
      method: 'POST',
      url: '/auth/login',
      payload: { email: 42, password: inWrongType, mfaCode: ['x'] },
    });
    expect(typed.statusCode).toBe(400);

    expect((await send({ method: 'POST', url: '/auth/logout', headers: bearer(third.accessToken) })).statusCode).toBe(
      204,
    );
    expect(serverErrors).toEqual([]);
  });

  it('runs a patient record through registration, the challenge, entries, consent, export and analyses', async () => {
    const admin: TestUser = await createPlatformAdmin(app);
    const tenant: TestTenant = await createTenant(app, admin, ['OWNER', 'PATIENT', 'SPECIALIST']);
    const [patient, specialist] = [tenant.users.PATIENT!, tenant.users.SPECIALIST!];
    [patient, specialist].forEach((u, i) => tokensOf(`patient-repository user ${i + 1}`, u));
    const info = personalInfo();
    secret('legal name', info.legalName.family);
    secret('given name', info.legalName.given[0]);
    secret('postcode', info.address.postalCode);
    secret('street', info.address.line[0]);
    secret('identifier', info.identifiers[0].value);
    secret('contact email', info.contact!.email);
    secret('contact phone', info.contact!.phone);
    const { id } = await registerPatient(app, tenant.users.OWNER!, patient, info);
    const base = `/patient-repositories/${id}`;
    const as = (user: TestUser) => bearer(user.accessToken);

    // Wrong answers first: they must not be echoed or logged either.
    const wrongPostcode = `WR${hex(3).toUpperCase()}`;
    secret('a wrong challenge answer', wrongPostcode);
    const challenge = await send({ method: 'POST', url: `${base}/identity-challenges`, headers: as(patient) });
    const answer = (postalCode: string) =>
      send({
        method: 'POST',
        url: `${base}/identity-challenges/${challenge.json<{ id: string }>().id}/answers`,
        payload: { answers: { dateOfBirth: info.dateOfBirth, postalCode } },
        headers: as(patient),
      });
    expect((await answer(wrongPostcode)).statusCode).toBe(422);
    expect((await answer(info.address.postalCode)).statusCode).toBe(200);

    const condition = `Condition-${hex()}`;
    const substance = `substance${hex()}`;
    const badCode = `Q${hex(4)}`;
    secret('a diagnosis description', condition);
    secret('an allergy substance', substance);
    secret('a malformed code', badCode);
    const diagnosis = { icd10Code: 'E11.9', description: condition, status: 'ACTIVE' };
    expect(
      (await send({ method: 'POST', url: `${base}/diagnoses`, payload: diagnosis, headers: as(patient) })).statusCode,
    ).toBe(201);
    const allergy = { substance, severity: 'SEVERE', status: 'ACTIVE' };
    expect(
      (await send({ method: 'POST', url: `${base}/allergies`, payload: allergy, headers: as(patient) })).statusCode,
    ).toBe(201);
    const malformed = await send({
      method: 'POST',
      url: `${base}/diagnoses`,
      payload: { ...diagnosis, icd10Code: badCode },
      headers: as(patient),
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json()).toMatchObject({ errors: [expect.objectContaining({ field: 'icd10Code' })] });

    await send({
      method: 'POST',
      url: `${base}/consent-grants`,
      payload: {
        specialistUserId: specialist.userId,
        scopes: ['DIAGNOSES', 'PERSONAL_INFO'],
        purpose: 'TREAT',
        periodEnd: new Date(Date.now() + 86_400_000).toISOString(),
      },
      headers: as(patient),
    });
    for (const url of [`${base}/diagnoses`, `${base}/personal-info`, `${base}/export`, `${base}/allergies`]) {
      await send({ method: 'GET', url, headers: as(specialist) });
    }
    expect((await send({ method: 'GET', url: `${base}/export`, headers: as(patient) })).statusCode).toBe(200);
    const analysis = await send({
      method: 'POST',
      url: `${base}/analyses`,
      payload: { kind: 'DRUG_ALLERGY', priority: 1 },
      headers: as(patient),
    });
    expect(analysis.statusCode).toBe(201);

    // Job payloads carry ids only: nothing of the record waits in the outbox either.
    const payloads = await asOwner((c) =>
      c.query<{ payload: string }>('SELECT payload::text AS payload FROM outbox_messages WHERE tenant_id = $1', [
        tenant.id,
      ]),
    );
    expect(payloads.rows.length).toBeGreaterThan(0);
    const inPayloads = secrets.filter(([, value]) => payloads.rows.some((r) => r.payload.includes(value)));
    expect(inPayloads.map(([what]) => what)).toEqual([]);
    expect(serverErrors).toEqual([]);
  });

  it('captured the request log (so an empty scan proves something)', () => {
    const output = captured.join('');
    expect(output.length).toBeGreaterThan(0);
    expect(requestIds.length).toBeGreaterThan(10);
    expect(requestIds.filter((id) => !output.includes(id))).toEqual([]);
  });

  it('finds none of the secrets in anything the API logged', () => {
    const lines = captured.join('').split('\n');
    const found = secrets.flatMap(([what, value]) => {
      const line = lines.find((l) => l.includes(value));
      return line ? [`${what} in: ${line.slice(0, 500)}`] : [];
    });
    for (const code of codes) {
      const whole = new RegExp(`(?<![0-9.])${code}(?![0-9])`);
      const line = lines.find((l) => whole.test(l));
      if (line) found.push(`TOTP code ${code} in: ${line.slice(0, 500)}`);
    }
    expect(found).toEqual([]);
  });

  it('finds none of them in any error answer either', () => {
    const found = secrets.flatMap(([what, value]) =>
      errorAnswers.filter((body) => body.includes(value)).map((body) => `${what} in: ${body.slice(0, 500)}`),
    );
    expect(found).toEqual([]);
  });
});
