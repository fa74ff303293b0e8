import { RequestContext } from '@itinera/platform';
import { currentScope, inlineParameters, MissingTenantScopeError, setScopeStatement, sqlLiteral } from './tenant-scope';

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

  it('refuses a tenant id that is not a UUID, since it is inlined into SQL', () => {
    expect(() => currentScope({ tenantId: "x'; DROP TABLE users; --" })).toThrow(/not a UUID/);
    expect(setScopeStatement({ tenantId: TENANT })).toBe(
      `SELECT set_config('app.tenant_id', '${TENANT}', true), set_config('app.scope', '', true)`,
    );
  });
});

describe('inlined parameters', () => {
  it('escape strings as pg does, and type the rest', () => {
    expect(sqlLiteral("O'Brien")).toBe("'O''Brien'");
    expect(sqlLiteral('back\\slash')).toBe(" E'back\\\\slash'");
    expect(sqlLiteral(null)).toBe('NULL');
    expect(sqlLiteral(42)).toBe('42');
    expect(sqlLiteral(10n)).toBe('10');
    expect(sqlLiteral(true)).toBe('TRUE');
    expect(sqlLiteral(new Date('2026-01-02T03:04:05.000Z'))).toBe("'2026-01-02T03:04:05.000Z'::timestamptz");
    expect(sqlLiteral(Buffer.from([1, 255]))).toBe("'\\x01ff'::bytea");
    expect(() => sqlLiteral(Number.NaN)).toThrow(TypeError);
    expect(() => sqlLiteral({ a: 1 })).toThrow(TypeError);
  });

  it('replace every placeholder, and only with given values', () => {
    expect(inlineParameters('SELECT $1, $2, $1', ['a', 2])).toBe("SELECT 'a', 2, 'a'");
    expect(() => inlineParameters('SELECT $3', ['a'])).toThrow(RangeError);
  });
});
