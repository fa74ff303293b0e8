import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import Redis from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { AppConfig, AppError } from '@itinera/platform';
import { sha256 } from './secret-tokens';

export enum LoginThrottleCode {
  /** Too many failed sign-ins for this account or from this address; `Retry-After` says when to try again. */
  TooManyFailedLogins = 'TOO_MANY_FAILED_LOGINS',
}

/**
 * Failed sign-ins counted per account and per client IP in Redis (shared by every API instance),
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

  /** Throws 429 when the account or the address has used up its failures. */
  async assertAllowed(email: string, ip: string): Promise<void> {
    const [account, address] = await Promise.all([this.perAccount.get(accountKey(email)), this.perIp.get(ip)]);
    const blocked = [account, address].filter(
      (r): r is RateLimiterRes => r !== null && r.remainingPoints <= 0 && r.msBeforeNext > 0,
    );
    if (blocked.length) throw tooMany(Math.max(...blocked.map((r) => r.msBeforeNext)));
  }

  async recordFailure(email: string, ip: string): Promise<void> {
    await Promise.all([
      this.perAccount.penalty(accountKey(email), 1).catch(() => undefined),
      this.perIp.penalty(ip, 1).catch(() => undefined),
    ]);
  }

  async recordSuccess(email: string): Promise<void> {
    await this.perAccount.delete(accountKey(email)).catch(() => undefined);
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
