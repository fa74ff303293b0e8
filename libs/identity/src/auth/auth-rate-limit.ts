import { RateLimit } from '@itinera/platform';

declare module 'fastify' {
  interface FastifyInstance {
    /** AUTH_RATE_LIMIT_MAX: requests per minute per IP on sign-in, sign-up and refresh. */
    authRateLimitMax: number;
  }
}

/**
 * The stricter per-IP limit of the credential routes (sign-in, sign-up, refresh, password), on
 * top of the failed-sign-in throttle per account and per IP. The number is read per request from
 * the configuration (installAuthentication decorates the server with it).
 */
export const AuthRateLimit = () =>
  RateLimit({ max: (request) => request.server.authRateLimitMax, timeWindowMs: 60_000 });
