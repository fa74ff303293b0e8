import { RequestContext } from '@itinera/platform';
import { currentScope, MissingTenantScopeError } from './tenant-scope';

const TENANT = '0b7c4a5e-6f1d-4e2a-9c3b-1a2b3c4d5e6f';

describe('tenant scope', () => {
  it('comes from the request or job context, or an override', () => {
    RequestContext.run({ tenantId: TENANT }, () => {
      expect(currentScope()).toEqual({ tenantId: TENANT, scope: undefined });
    });
    expect(currentScope({ tenantId: TENANT })).toEqual({ tenantId: TENANT, scope: undefined });
  });

  it("is required unless the work is the platform's", () => {
    RequestContext.run({}, () => {
      expect(() => currentScope()).toThrow(MissingTenantScopeError);
      expect(currentScope({ scope: 'platform' })).toEqual({ tenantId: undefined, scope: 'platform' });
      expect(currentScope(undefined, true)).toEqual({ tenantId: undefined, scope: undefined });
    });
  });

  it('refuses a tenant id that is not a UUID (a programming error, caught before any SQL)', () => {
    expect(() => currentScope({ tenantId: "x'; DROP TABLE users; --" })).toThrow(/not a UUID/);
  });
});
