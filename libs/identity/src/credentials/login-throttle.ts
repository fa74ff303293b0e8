import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import Redis from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { AppConfig, AppError } from '@itinera/platform';
import { sha256 } from '@itinera/platform';

export enum LoginThrottleCode {
  /** Too many failed sign-ins for this account or from this address; `Retry-After` says when to try again. */
  TooManyFailedLogins = 'TOO_MANY_FAILED_LOGINS',
}

/**
 * Sign-in attempts counted per account and per client IP in Redis (shared by every API instance),
 * each taken before the password is checked and given back unless it failed,
 * with an in-memory fallback while Redis is down so sign-in keeps working. The account key is a
 * hash of the normalised email, counted whether or not the account exists, so the answer (429
 * with Retry-After) never tells which emails are registered.
 */
@Injectable()
export class LoginThrottle implements OnModuleDestroy {
  private readonly logger = new Logger(LoginThrottle.name);
  private readonly redis: Redis;
  private readonly perAccount: RateLimiterRedis;
  private readonly perIp: RateLimiterRedis;

  constructor(config: AppConfig) {
    const lockout = config.get('LOGIN_LOCKOUT_SECONDS', { infer: true });
    const prefix = `${config.get('QUEUE_PREFIX', { infer: true })}:login-failures`;
    this.redis = new Redis(config.get('REDIS_URL', { infer: true }), {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      lazyConnect: false,
    });
    this.redis.on('error', (error) => this.logger.debug({ err: error }, 'login throttle: Redis unavailable'));
    const limiter = (keyPrefix: string, points: number) =>
      new RateLimiterRedis({
        storeClient: this.redis,
        keyPrefix: `${prefix}:${keyPrefix}`,
        points,
        duration: lockout,
        blockDuration: lockout,
        insuranceLimiter: new RateLimiterMemory({ keyPrefix, points, duration: lockout, blockDuration: lockout }),
      });
    this.perAccount = limiter('account', config.get('LOGIN_MAX_FAILURES_PER_ACCOUNT', { infer: true }));
    this.perIp = limiter('ip', config.get('LOGIN_MAX_FAILURES_PER_IP', { infer: true }));
  }

  async onModuleDestroy(): Promise<void> {
    this.redis.disconnect();
  }

  /**
   * Takes one attempt from the account's and the address's allowance before the password is
   * checked; throws 429 when either is used up. Taking it first, rather than checking and then
   * counting the failure, is what stops a burst of parallel guesses from all passing the check
   * before the first of them has failed. An attempt that turns out not to be a failure is given
   * back with `release` or `succeeded`.
   */
  async reserve(email: string, ip: string): Promise<void> {
    const [account, address] = await Promise.allSettled([
      this.perAccount.consume(accountKey(email)),
      this.perIp.consume(ip),
    ]);
    const refused = [account, address].flatMap((r) =>
      r.status === 'rejected' && r.reason instanceof RateLimiterRes ? [r.reason] : [],
    );
    for (const r of [account, address]) {
      // Not a verdict but a store failure the in-memory insurance could not absorb: fail open.
      if (r.status === 'rejected' && !(r.reason instanceof RateLimiterRes)) {
        this.logger.warn({ err: r.reason }, 'login throttle unavailable');
      }
    }
    if (!refused.length) return;
    // A refused attempt checks no password: give back what the other limiter took for it.
    await Promise.all([
      account.status === 'fulfilled' ? this.perAccount.reward(accountKey(email), 1).catch(() => undefined) : undefined,
      address.status === 'fulfilled' ? this.perIp.reward(ip, 1).catch(() => undefined) : undefined,
    ]);
    throw tooMany(Math.max(...refused.map((r) => r.msBeforeNext)));
  }

  /** Gives back a reserved attempt that was not a failure (the password was right; a code is still due). */
  async release(email: string, ip: string): Promise<void> {
    await Promise.all([
      this.perAccount.reward(accountKey(email), 1).catch(() => undefined),
      this.perIp.reward(ip, 1).catch(() => undefined),
    ]);
  }

  /** A successful sign-in: the account's failures are forgotten and the address gets its attempt back. */
  async succeeded(email: string, ip: string): Promise<void> {
    await Promise.all([
      this.perAccount.delete(accountKey(email)).catch(() => undefined),
      this.perIp.reward(ip, 1).catch(() => undefined),
    ]);
  }
}

function accountKey(email: string): string {
  return sha256(email.trim().toLowerCase()).toString('hex');
}

function tooMany(msBeforeNext: number): AppError {
  const retryAfter = String(Math.max(1, Math.ceil(msBeforeNext / 1000)));
  return new AppError(LoginThrottleCode.TooManyFailedLogins, 429, 'Too Many Requests', {
    detail: `Too many failed sign-ins. Retry after ${retryAfter} seconds.`,
    headers: { 'retry-after': retryAfter },
  });
}
