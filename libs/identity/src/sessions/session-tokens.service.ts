import { Injectable } from '@nestjs/common';
import { AppConfig, RequestContext } from '@itinera/platform';
import type { Tx } from '@itinera/prisma';
import { AccessTokens } from '../credentials/access-tokens';
import { randomSecret, sha256 } from '@itinera/platform';
import { PrincipalCache } from '../authentication/principal-cache';
import type { TokenPairResponse } from '../auth/auth.dto';

/** Why a session ended, as stored in auth_sessions.revoked_reason. */
export type SessionEndReason = 'logout' | 'revoked' | 'refresh-token-reuse' | 'password-changed' | 'user-disabled';

/** Which sessions to end: one by id, or a user's, optionally all but one. */
export interface SessionSelector {
  id?: string;
  userId?: string;
  notId?: string;
}

/** Refresh tokens carry a recognisable prefix, so secret scanners can spot a leaked one. */
const REFRESH_PREFIX = 'itr_';

/**
 * Sign-in sessions and their tokens: a session is a refresh-token family; each refresh token works
 * once and is replaced by the next; access tokens are short-lived JWTs naming the session.
 */
@Injectable()
export class SessionTokens {
  private readonly sessionTtlMs: number;

  constructor(
    config: AppConfig,
    private readonly tokens: AccessTokens,
    private readonly cache: PrincipalCache,
  ) {
    this.sessionTtlMs = config.get('SESSION_TTL_DAYS', { infer: true }) * 86_400_000;
  }

  /** Starts a session for `userId` acting in `tenantId` and returns its first tokens. */
  async start(tx: Tx, userId: string, tenantId: string | null, method: string): Promise<TokenPairResponse> {
    const ip = RequestContext.get('ip');
    const session = await tx.authSession.create({
      data: {
        userId,
        tenantId,
        method,
        ip: ip ?? null,
        userAgent: RequestContext.get('userAgent')?.slice(0, 500) ?? null,
        expiresAt: new Date(Date.now() + this.sessionTtlMs),
      },
    });
    return this.issue(tx, session.id, userId, tenantId);
  }

  /** New tokens for an existing session (after a refresh or a tenant switch). */
  async issue(tx: Tx, sessionId: string, userId: string, tenantId: string | null): Promise<TokenPairResponse> {
    const refreshToken = `${REFRESH_PREFIX}${randomSecret()}`;
    await tx.refreshToken.create({ data: { sessionId, tokenHash: new Uint8Array(sha256(refreshToken)) } });
    return {
      accessToken: this.tokens.issue({ sub: userId, sid: sessionId, tid: tenantId ?? undefined }),
      refreshToken,
      tokenType: 'Bearer',
      expiresIn: this.tokens.ttlSeconds,
      sessionId,
      tenantId,
    };
  }

  /**
   * Ends sessions: their refresh tokens stop working when `tx` commits, their access tokens once
   * `forget` has evicted them from the principal cache (call it after the commit).
   */
  async revoke(tx: Tx, where: SessionSelector, reason: SessionEndReason) {
    const { count } = await tx.authSession.updateMany({
      where: {
        ...(where.id ? { id: where.id } : {}),
        ...(where.userId ? { userId: where.userId } : {}),
        ...(where.notId ? { id: { not: where.notId } } : {}),
        revokedAt: null,
      },
      data: { revokedAt: new Date(), revokedReason: reason },
    });
    return count;
  }

  /**
   * Forgets the cached principals of sessions `revoke` ended, once its transaction has committed.
   * Evicting inside the transaction let a concurrent request read the session as still active
   * and cache it again, so a signed-out access token kept working for the cache TTL.
   */
  forget(where: SessionSelector): void {
    if (where.id) this.cache.evictSession(where.id);
    else if (where.userId)
      this.cache.evict((p) => p.kind === 'user' && p.userId === where.userId && p.sessionId !== where.notId);
  }
}

export { REFRESH_PREFIX };
