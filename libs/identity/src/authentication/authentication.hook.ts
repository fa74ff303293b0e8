import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';
import { actorOf, AppConfig, authorize, RequestContext, ROUTE_ACCESS, type RouteAccess } from '@itinera/platform';
import '../auth/auth-rate-limit';
import { Authenticator } from './authenticator';

/**
 * Routes Fastify serves outside Nest's controllers, with the access they need: the API docs are
 * public, the queue dashboard is for platform administrators.
 */
const NON_NEST_ROUTES: [prefix: string, access: RouteAccess][] = [
  ['/docs', { public: true }],
  ['/admin/queues', { platformAdmin: true, withoutTenant: true }],
];

function accessOf(request: FastifyRequest): RouteAccess {
  const config = request.routeOptions.config as unknown as Record<string, unknown> | undefined;
  const access = config?.[ROUTE_ACCESS] as RouteAccess | undefined;
  if (access) return access;
  const path = request.url;
  for (const [prefix, prefixAccess] of NON_NEST_ROUTES) {
    if (
      path === prefix ||
      path.startsWith(`${prefix}/`) ||
      path.startsWith(`${prefix}-`) ||
      path.startsWith(`${prefix}?`)
    ) {
      return prefixAccess;
    }
  }
  // Default deny: a route that says nothing needs an authenticated tenant principal.
  return {};
}

/**
 * Authentication and authorisation as one Fastify onRequest hook (after request context and rate
 * limits): reads the route's access (route-access.ts), resolves the credentials, checks them, and
 * puts the principal, tenant and actor into the request context for services and row-level
 * security. A Fastify hook rather than a Nest guard, which costs more per request on Node 20.
 */
export function installAuthentication(app: NestFastifyApplication): void {
  const authenticator = app.get(Authenticator);
  const fastify = app.getHttpAdapter().getInstance();
  const authRateLimitMax: number = app.get(AppConfig).get('AUTH_RATE_LIMIT_MAX', { infer: true });
  fastify.decorate('authRateLimitMax', authRateLimitMax);
  fastify.addHook('onRequest', async (request) => {
    RequestContext.set('ip', request.ip);
    const userAgent = request.headers['user-agent'];
    if (userAgent) RequestContext.set('userAgent', userAgent);
    // Unknown routes answer 404, not 401: there is nothing there to protect.
    if (request.is404) return;
    const access = accessOf(request);
    if (access.public) return;
    const principal = await authenticator.authenticate(request.headers);
    authorize(principal, access);
    RequestContext.set('principal', principal);
    RequestContext.set('actor', actorOf(principal));
    if (principal.tenantId) RequestContext.set('tenantId', principal.tenantId);
    if (access.platformAdmin) RequestContext.set('scope', 'platform');
  });
}
