import { authorize } from './authorize';
import type { ApiKeyPrincipal, UserPrincipal } from './principal';

const member: UserPrincipal = {
  kind: 'user',
  userId: 'u1',
  sessionId: 's1',
  tenantId: 't1',
  role: 'MEMBER',
  isPlatformAdmin: false,
  via: 'access-token',
};
const key: ApiKeyPrincipal = { kind: 'api-key', apiKeyId: 'k1', tenantId: 't1', scopes: ['read'] };

const refusal = (run: () => void) => {
  try {
    run();
  } catch (error) {
    return error as { status: number; code: string };
  }
  return undefined;
};

describe('authorize', () => {
  it('lets a tenant user through routes that say nothing (any authenticated tenant principal)', () => {
    expect(refusal(() => authorize(member, {}))).toBeUndefined();
  });

  it('refuses a user without an active tenant unless the route allows it', () => {
    const noTenant = { ...member, tenantId: undefined, role: undefined };
    expect(refusal(() => authorize(noTenant, {}))).toMatchObject({ status: 403, code: 'TENANT_REQUIRED' });
    expect(refusal(() => authorize(noTenant, { withoutTenant: true }))).toBeUndefined();
  });

  it('checks roles', () => {
    expect(refusal(() => authorize(member, { roles: ['OWNER', 'ADMIN'] }))).toMatchObject({
      status: 403,
      code: 'FORBIDDEN',
    });
    expect(refusal(() => authorize({ ...member, role: 'ADMIN' }, { roles: ['OWNER', 'ADMIN'] }))).toBeUndefined();
  });

  it('accepts API keys only on routes that name scopes, and only with every scope', () => {
    expect(refusal(() => authorize(key, {}))).toMatchObject({ status: 403 });
    expect(refusal(() => authorize(key, { apiKeyScopes: ['read'] }))).toBeUndefined();
    expect(refusal(() => authorize(key, { apiKeyScopes: ['read', 'write'] }))).toMatchObject({ status: 403 });
    expect(refusal(() => authorize(key, { apiKeyScopes: ['read'], platformAdmin: true }))).toMatchObject({
      status: 403,
    });
  });

  it('keeps platform routes for platform administrators', () => {
    expect(refusal(() => authorize(member, { platformAdmin: true }))).toMatchObject({ status: 403 });
    expect(refusal(() => authorize({ ...member, isPlatformAdmin: true }, { platformAdmin: true }))).toBeUndefined();
  });
});
