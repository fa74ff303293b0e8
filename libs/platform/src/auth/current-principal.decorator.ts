import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { RequestContext } from '../context/request-context';
import type { Principal, UserPrincipal } from './principal';
import { unauthenticated, forbidden } from './authorize';

/** The authenticated principal of the request (user or API key). */
export const CurrentPrincipal = createParamDecorator((_data: unknown, _ctx: ExecutionContext): Principal => {
  const principal = RequestContext.get('principal');
  if (!principal) throw unauthenticated();
  return principal;
});

/** The signed-in user; 403 when an API key calls a route that needs a person. */
export const CurrentUser = createParamDecorator((_data: unknown, _ctx: ExecutionContext): UserPrincipal => {
  const principal = RequestContext.get('principal');
  if (!principal) throw unauthenticated();
  if (principal.kind !== 'user') throw forbidden('This route needs a signed-in user, not an API key.');
  return principal;
});

/** The active tenant's id (from the token or key). */
export const CurrentTenant = createParamDecorator((_data: unknown, _ctx: ExecutionContext): string => {
  const tenantId = RequestContext.get('tenantId');
  if (!tenantId) throw forbidden('No active tenant.');
  return tenantId;
});
