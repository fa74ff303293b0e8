import { MergeRouteConfig } from '../auth/route-access';
import type { FastifyRequest } from 'fastify';
import { AppError, PlatformErrorCode } from '../errors/app-error';

/**
 * Rate limits run in Fastify (@fastify/rate-limit, fixed windows per client IP in a bounded LRU),
 * not in a Nest guard: @nestjs/throttler's guard measured ~20 µs per request even on skipped
 * routes, and its in-memory store grows with every hit in the window.
 *
 * `@RateLimit({ max: 10, timeWindowMs: 60_000 })` sets a stricter limit on a route (sign-in, public
 * token routes); `@SkipRateLimit()` exempts one (health probes, metrics scrapes).
 */
export const RateLimit = (limit: { max: number | ((request: FastifyRequest) => number); timeWindowMs: number }) =>
  MergeRouteConfig('rateLimit', { max: limit.max, timeWindow: limit.timeWindowMs });

export const SkipRateLimit = () => MergeRouteConfig('rateLimit', false);

/** The problem a rate-limited request gets, with Retry-After in whole seconds. */
export function rateLimited(context: { ttl: number; max: number; after: string }): AppError {
  const retryAfter = String(Math.max(1, Math.ceil(context.ttl / 1000)));
  return new AppError(PlatformErrorCode.RateLimited, 429, 'Too Many Requests', {
    detail: `More than ${context.max} requests in ${context.after}. Retry after ${retryAfter} seconds.`,
    headers: { 'retry-after': retryAfter },
  });
}
