import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';
import { Logger } from '@nestjs/common';
import {
  actorOf,
  AppConfig,
  authorize,
  matchedRoute,
  RequestContext,
  ROUTE_ACCESS,
  sendProblem,
  type Principal,
  type RouteAccess,
} from '@itinera/platform';
import { AuditService } from '@itinera/audit';
import '../auth/auth-rate-limit';
import { Authenticator } from './authenticator';

/**
 * Routes Fastify serves outside Nest's controllers, with the access they need: the API docs are
 * public, the queue dashboard is for platform administrators. Given to those routes' config as
 * they are registered (onRoute), so that, like Nest's routes, they are judged by the route that
 * matched and never by the raw URL (which a client can spell differently, e.g. percent-encoded).
 */
const NON_NEST_ROUTES: [prefix: string, access: RouteAccess][] = [
  ['/docs', { public: true }],
  ['/admin/queues', { platformAdmin: true, withoutTenant: true }],
];

function accessForPattern(url: string): RouteAccess | undefined {
  for (const [prefix, access] of NON_NEST_ROUTES) {
    if (url === prefix || url.startsWith(`${prefix}/`) || url.startsWith(`${prefix}-`)) return access;
  }
  return undefined;
}

/** The access of the route that matched; a route that says nothing needs an authenticated tenant principal (default deny). */
function accessOf(request: FastifyRequest): RouteAccess {
  return (matchedRoute(request)[ROUTE_ACCESS] as RouteAccess | undefined) ?? {};
}

/**
 * Authentication and authorisation as one Fastify onRequest hook (after request context and rate
 * limits): reads the route's access (route-access.ts), resolves the credentials, checks them, and
 * puts the principal, tenant and actor into the request context for services and row-level
 * security. A Fastify hook rather than a Nest guard, which costs more per request on Node 20.
 */
export function installAuthentication(app: NestFastifyApplication): void {
  const authenticator = app.get(Authenticator);
  const audit = app.get(AuditService);
  const logger = new Logger('Authentication');
  const fastify = app.getHttpAdapter().getInstance();
  const authRateLimitMax: number = app.get(AppConfig).get('AUTH_RATE_LIMIT_MAX', { infer: true });
  fastify.decorate('authRateLimitMax', authRateLimitMax);
  fastify.addHook('onRoute', (route) => {
    const config = (route.config ?? {}) as Record<string, unknown>;
    const access = config[ROUTE_ACCESS] === undefined ? accessForPattern(route.url) : undefined;
    if (access) route.config = { ...config, [ROUTE_ACCESS]: access } as typeof route.config;
  });

  /** A known principal refused by a route is worth a line in its tenant's audit log. */
  const auditRefusal = (request: FastifyRequest, principal: Principal, error: unknown) =>
    audit
      .recordAlone({
        tenantId: principal.tenantId ?? null,
        actor: actorOf(principal),
        action: 'access.denied',
        metadata: {
          method: request.method,
          route: matchedRoute(request).url ?? request.url.split('?')[0],
          reason: (error as { code?: string }).code,
        },
      })
      .catch((failure: unknown) => logger.warn({ err: failure }, 'could not audit a refused request'));

  const authenticate = async (request: FastifyRequest, access: RouteAccess): Promise<void> => {
    const principal = await authenticator.authenticate(request.headers);
    try {
      authorize(principal, access);
    } catch (error) {
      await auditRefusal(request, principal, error);
      throw error;
    }
    RequestContext.set('principal', principal);
    RequestContext.set('actor', actorOf(principal));
    if (principal.tenantId) RequestContext.set('tenantId', principal.tenantId);
    if (access.platformAdmin) RequestContext.set('scope', 'platform');
  };

  // A callback hook, not an async one: public routes (health probes among them) then cost no promise.
  fastify.addHook('onRequest', (request, reply, done) => {
    // Unknown routes answer 404, not 401: there is nothing there to protect.
    if (request.is404) return done();
    const access = accessOf(request);
    if (access.public) return done();
    // The problem is sent from here rather than handed to Fastify's error handler, which outside
    // Nest's routes (the queue dashboard) is the plugin's own and would answer 500.
    authenticate(request, access).then(
      () => done(),
      (error: unknown) => sendProblem(error, request, reply),
    );
  });
}
