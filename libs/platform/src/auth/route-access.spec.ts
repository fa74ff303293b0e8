import 'reflect-metadata';
import { FASTIFY_ROUTE_CONFIG_METADATA } from '@nestjs/platform-fastify/constants';
import { RateLimit } from '../http/rate-limit';
import { ApiKeyScopes, Public, ROUTE_ACCESS, Roles, WithoutTenant } from './route-access';

const configOf = (handler: unknown) => Reflect.getMetadata(FASTIFY_ROUTE_CONFIG_METADATA, handler as object);

describe('route access decorators', () => {
  it('merge with each other and with a rate limit, in any order', () => {
    class Controller {
      @Public()
      @RateLimit({ max: 5, timeWindowMs: 1_000 })
      a() {}

      @RateLimit({ max: 5, timeWindowMs: 1_000 })
      @Roles('OWNER')
      @ApiKeyScopes('read')
      b() {}
    }
    expect(configOf(Controller.prototype.a)).toEqual({
      [ROUTE_ACCESS]: { public: true },
      rateLimit: { max: 5, timeWindow: 1_000 },
    });
    expect(configOf(Controller.prototype.b)).toEqual({
      [ROUTE_ACCESS]: { roles: ['OWNER'], apiKeyScopes: ['read'] },
      rateLimit: { max: 5, timeWindow: 1_000 },
    });
  });

  it("apply a class's access to every handler, a handler's own access winning", () => {
    @Roles('ADMIN')
    @WithoutTenant()
    class Controller {
      a() {}

      @Roles('OWNER')
      b() {}
    }
    expect(configOf(Controller.prototype.a)[ROUTE_ACCESS]).toEqual({ roles: ['ADMIN'], withoutTenant: true });
    expect(configOf(Controller.prototype.b)[ROUTE_ACCESS]).toEqual({ roles: ['OWNER'], withoutTenant: true });
  });
});
