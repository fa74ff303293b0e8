import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createSigner } from 'fast-jwt';
import { createHmac, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startApi } from '../support/test-apps';
import { asOwner, createPlatformAdmin, createTenant, register, type TestTenant } from '../support/identity-fixtures';
import { auditActions, call, expectProblem, expectStatus, expectUnauthenticated } from './identity-http';

const ISSUER = 'https://login.example.test/';
const AUDIENCE = 'https://api.itinera.test';
const KID = 'test-key-1';

const rsaKeyPair = () => generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = (key: KeyObject) =>
  key.export({ format: 'pem', type: key.type === 'private' ? 'pkcs8' : 'spki' }).toString();

/** The issuer's signing key; its public half is what the JWKS serves. */
const signingKeys = rsaKeyPair();

/** An RS256 token as the issuer would sign it, with `options` changed. */
function issuerToken(
  claims: Record<string, unknown>,
  options: { key?: KeyObject; kid?: string; iss?: string; aud?: string; clockTimestamp?: number } = {},
): string {
  const sign = createSigner({
    algorithm: 'RS256',
    key: pem(options.key ?? signingKeys.privateKey),
    kid: options.kid ?? KID,
    iss: options.iss ?? ISSUER,
    aud: options.aud ?? AUDIENCE,
    expiresIn: 300_000,
    ...(options.clockTimestamp ? { clockTimestamp: options.clockTimestamp } : {}),
  });
  return sign(claims);
}

describe('OIDC tokens from an external issuer', () => {
  let jwks: Server;
  let jwksRequests = 0;
  let app: NestFastifyApplication;
  let tenant: TestTenant;

  beforeAll(async () => {
    // The issuer's JWKS, served by the test itself.
    const publicJwk = { ...signingKeys.publicKey.export({ format: 'jwk' }), kid: KID, alg: 'RS256', use: 'sig' };
    jwks = createServer((request, response) => {
      jwksRequests++;
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ keys: [publicJwk] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const { port } = jwks.address() as AddressInfo;
    app = await startApi({
      OIDC_ISSUER: ISSUER,
      OIDC_JWKS_URL: `http://127.0.0.1:${port}/.well-known/jwks.json`,
      OIDC_AUDIENCE: AUDIENCE,
    });
    tenant = await createTenant(app, await createPlatformAdmin(app), ['OWNER', 'MEMBER']);
  });
  afterAll(async () => {
    await app.close();
    await new Promise((resolve) => jwks.close(resolve));
  });

  const me = (token: string) => call(app, 'GET', '/auth/me', undefined, { token });
  const subject = () => `auth0|${randomBytes(8).toString('hex')}`;

  it('accepts a verified email of an Itinera user, links the subject, and then accepts the subject alone', async () => {
    const member = tenant.users.MEMBER!;
    const sub = subject();
    const byEmail = issuerToken({ sub, email: member.email.toUpperCase(), email_verified: true });
    const body = expectStatus(await me(byEmail), 200).json();
    expect(body).toMatchObject({
      user: { id: member.userId, email: member.email },
      activeTenantId: tenant.id,
      activeRole: 'MEMBER',
      sessionId: null,
    });
    const { rows } = await asOwner((c) => c.query('SELECT external_subject FROM users WHERE id = $1', [member.userId]));
    expect(rows[0].external_subject).toBe(`${ISSUER}|${sub}`);
    expect(await auditActions(member.userId)).toContain('user.oidc_linked');

    // By subject, without any email; and it acts in the user's tenant like an access token.
    const bySubject = issuerToken({ sub });
    expectStatus(await me(bySubject), 200);
    expect(expectStatus(await call(app, 'GET', '/tenant', undefined, { token: bySubject }), 200).json().id).toBe(
      tenant.id,
    );
    expectProblem(await call(app, 'GET', '/tenant/members', undefined, { token: bySubject }), 403, 'FORBIDDEN');
    // There is no Itinera session to end or switch.
    expectProblem(await call(app, 'POST', '/auth/logout', undefined, { token: bySubject }), 403);
    expect(jwksRequests).toBeGreaterThan(0);
  });

  it('does not let a second subject take over an already linked user through the same email', async () => {
    const user = await register(app);
    expectStatus(await me(issuerToken({ sub: subject(), email: user.email, email_verified: true })), 200);
    expectUnauthenticated(await me(issuerToken({ sub: subject(), email: user.email, email_verified: true })));
  });

  it('refuses an unverified email and an unknown user', async () => {
    const user = await register(app);
    expectUnauthenticated(await me(issuerToken({ sub: subject(), email: user.email })));
    expectUnauthenticated(await me(issuerToken({ sub: subject(), email: user.email, email_verified: false })));
    expectUnauthenticated(await me(issuerToken({ sub: subject(), email: user.email, email_verified: 'true' })));
    const unknown = `nobody-${randomBytes(4).toString('hex')}@example.test`;
    expectUnauthenticated(await me(issuerToken({ sub: subject(), email: unknown, email_verified: true })));
    expectUnauthenticated(await me(issuerToken({ sub: subject() })));
    const { rows } = await asOwner((c) => c.query('SELECT external_subject FROM users WHERE id = $1', [user.userId]));
    expect(rows[0].external_subject).toBeNull();
  });

  describe('refuses tokens that are not the issuer’s own, current and for us', () => {
    let linked: string;

    beforeAll(async () => {
      const user = await register(app);
      linked = subject();
      expectStatus(await me(issuerToken({ sub: linked, email: user.email, email_verified: true })), 200);
    });

    it('accepts the linked subject when nothing is changed (control)', async () => {
      expectStatus(await me(issuerToken({ sub: linked })), 200);
    });

    it('refuses a wrong issuer or audience', async () => {
      expectUnauthenticated(await me(issuerToken({ sub: linked }, { iss: 'https://evil.example.test/' })));
      expectUnauthenticated(await me(issuerToken({ sub: linked }, { aud: 'https://another-api.example.test' })));
    });

    it('refuses an expired token', async () => {
      expectUnauthenticated(await me(issuerToken({ sub: linked }, { clockTimestamp: Date.now() - 3_600_000 })));
    });

    it('refuses a token signed by another key, under the issuer’s key id or another', async () => {
      const other = rsaKeyPair().privateKey;
      expectUnauthenticated(await me(issuerToken({ sub: linked }, { key: other })));
      expectUnauthenticated(await me(issuerToken({ sub: linked }, { key: other, kid: 'unknown-key' })));
    });

    it('refuses an HS256 token claiming to be the issuer’s, keyed with its public key or anything else', async () => {
      const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: KID })).toString('base64url');
      const payload = Buffer.from(
        JSON.stringify({ sub: linked, iss: ISSUER, aud: AUDIENCE, exp: Math.floor(Date.now() / 1000) + 300 }),
      ).toString('base64url');
      for (const secret of [pem(signingKeys.publicKey), randomBytes(32)]) {
        const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
        expectUnauthenticated(await me(`${header}.${payload}.${signature}`));
      }
      const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
      expectUnauthenticated(await me(`${none}.${payload}.`));
    });

    it('refuses a token without an expiry', async () => {
      const sign = createSigner({
        algorithm: 'RS256',
        key: pem(signingKeys.privateKey),
        kid: KID,
        iss: ISSUER,
        aud: AUDIENCE,
      });
      expectUnauthenticated(await me(sign({ sub: linked })));
    });
  });
});
