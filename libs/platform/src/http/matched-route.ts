import type { FastifyContextConfig, FastifyRequest } from 'fastify';

/** The matched route's config: its own settings, plus the URL template and method Fastify adds. */
export type MatchedRoute = FastifyContextConfig & Record<PropertyKey, unknown> & { url?: string; method?: string };

const MATCHED_ROUTE = Symbol('itinera.matchedRoute');
type RequestWithRoute = FastifyRequest & { [MATCHED_ROUTE]?: MatchedRoute };

/**
 * The config of the route a request matched (`url` is undefined when none did), read once per
 * request. Fastify's `request.routeOptions` builds a new twelve-field object on every access, and
 * the platform's hooks (authentication, metrics, request log) each need the route.
 */
export function matchedRoute(request: FastifyRequest): MatchedRoute {
  const memo = request as RequestWithRoute;
  return (memo[MATCHED_ROUTE] ??= (request.routeOptions.config ?? {}) as MatchedRoute);
}
