import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import type { Client } from 'pg';
import { withClient } from './test-databases';
import type { TenantRole } from '@itinera/platform';

/**
 * Users, tenants and credentials for e2e tests, made through the real API (sign-up, sign-in,
 * tenant and member routes), except for the one thing no route does: making the first platform
 * administrator, which is a direct update as the database owner (as `npm run db:seed` does).
 */

export interface TestUser {
  userId: string;
  email: string;
  password: string;
  accessToken: string;
  refreshToken: string;
  sessionId: string;
  tenantId: string | null;
  role?: TenantRole;
}

export interface TestTenant {
  id: string;
  domain: string;
  /** One user per role asked for, signed in to this tenant. */
  users: Partial<Record<TenantRole, TestUser>>;
}

const unique = () => randomBytes(5).toString('hex');
export const TEST_PASSWORD = 'correct horse battery staple';

/** Runs `work` with a connection as the owner of the test database (DIRECT_DATABASE_URL). */
export function asOwner<T>(work: (client: Client) => Promise<T>): Promise<T> {
  return withClient(process.env.DIRECT_DATABASE_URL!, work);
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function post<T>(app: NestFastifyApplication, url: string, payload: unknown, headers = {}): Promise<T> {
  const response = await app.inject({ method: 'POST', url, payload: payload as object, headers });
  if (response.statusCode >= 300) throw new Error(`POST ${url} answered ${response.statusCode}: ${response.body}`);
  return response.json<T>();
}

export async function register(
  app: NestFastifyApplication,
  email = `user-${unique()}@example.test`,
  password = TEST_PASSWORD,
): Promise<{ userId: string; email: string; password: string }> {
  const user = await post<{ id: string }>(app, '/auth/register', { email, password, displayName: email.split('@')[0] });
  return { userId: user.id, email, password };
}

export async function login(
  app: NestFastifyApplication,
  email: string,
  password = TEST_PASSWORD,
  tenantId?: string,
): Promise<Omit<TestUser, 'userId' | 'email' | 'password'>> {
  return post(app, '/auth/login', { email, password, ...(tenantId ? { tenantId } : {}) });
}

/** A signed-in platform administrator (no tenant). */
export async function createPlatformAdmin(app: NestFastifyApplication): Promise<TestUser> {
  const user = await register(app, `admin-${unique()}@example.test`);
  await asOwner((c) => c.query('UPDATE users SET is_platform_admin = true WHERE id = $1', [user.userId]));
  const tokens = await login(app, user.email);
  return { ...user, ...tokens };
}

/**
 * A tenant with one signed-in user per role in `roles` (OWNER first, who then adds the others
 * through POST /tenant/members), created by `admin` through POST /admin/tenants.
 */
export async function createTenant(
  app: NestFastifyApplication,
  admin: TestUser,
  roles: TenantRole[] = ['OWNER', 'ADMIN', 'MEMBER'],
  plan: 'BASIC' | 'PRO' | 'ENTERPRISE' = 'BASIC',
): Promise<TestTenant> {
  const domain = `t-${unique()}`;
  const owner = await register(app, `owner-${domain}@example.test`);
  const tenant = await post<{ id: string }>(
    app,
    '/admin/tenants',
    { name: `Tenant ${domain}`, domain, plan, ownerEmail: owner.email },
    bearer(admin.accessToken),
  );
  const ownerTokens = await login(app, owner.email, TEST_PASSWORD, tenant.id);
  const users: TestTenant['users'] = { OWNER: { ...owner, ...ownerTokens, role: 'OWNER' } };
  for (const role of roles) {
    if (role === 'OWNER') continue;
    const user = await register(app, `${role.toLowerCase()}-${domain}@example.test`);
    await post(app, '/tenant/members', { email: user.email, role }, bearer(ownerTokens.accessToken));
    users[role] = { ...user, ...(await login(app, user.email, TEST_PASSWORD, tenant.id)), role };
  }
  return { id: tenant.id, domain, users };
}

/** One more signed-in user of `tenant` with `role`: registered, added by its OWNER, signed in to it. */
export async function addMember(app: NestFastifyApplication, tenant: TestTenant, role: TenantRole): Promise<TestUser> {
  const user = await register(app, `${role.toLowerCase()}-${unique()}@example.test`);
  await post(app, '/tenant/members', { email: user.email, role }, bearer(tenant.users.OWNER!.accessToken));
  return { ...user, ...(await login(app, user.email, TEST_PASSWORD, tenant.id)), role };
}

/** An API key of the tenant with `scopes`, created by its owner. */
export async function createApiKey(
  app: NestFastifyApplication,
  tenant: TestTenant,
  scopes: string[] = ['read'],
): Promise<{ id: string; key: string }> {
  return post(app, '/api-keys', { name: `key ${unique()}`, scopes }, bearer(tenant.users.OWNER!.accessToken));
}

/**
 * Authorization headers of a new platform administrator, made through an API app of its own (so
 * that the test's app, perhaps with a tight rate limit, sees none of those requests).
 */
export async function platformAdminHeaders(): Promise<Record<string, string>> {
  const { startApi } = await import('./test-apps');
  const app = await startApi();
  try {
    return bearer((await createPlatformAdmin(app)).accessToken);
  } finally {
    await app.close();
  }
}
