import { Injectable } from '@nestjs/common';
import { createSigner, createVerifier } from 'fast-jwt';
import { AppConfig } from '@itinera/platform';

/** The claims of an Itinera access token. */
export interface AccessTokenClaims {
  /** The user id. */
  sub: string;
  /** The sign-in session (refresh family) the token belongs to. */
  sid: string;
  /** The session's active tenant, when it has one. */
  tid?: string;
  /** Seconds since the epoch. */
  exp: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Whether verified claims have the shape Itinera issues. A valid signature over other shapes means
 * the secret signed something we did not (or leaked): such ids must not reach SQL, where a
 * non-UUID would fail as bad input (400) instead of as bad credentials (401).
 */
function isIssuedShape(claims: Record<string, unknown>): boolean {
  const { sub, sid, tid } = claims;
  return (
    typeof sub === 'string' &&
    UUID.test(sub) &&
    typeof sid === 'string' &&
    UUID.test(sid) &&
    (tid === undefined || (typeof tid === 'string' && UUID.test(tid)))
  );
}

/**
 * Short-lived access tokens: HS256 JWTs with issuer and audience, verified with the algorithm
 * pinned (so `alg: none` or a token signed for another algorithm is refused) and the verification
 * of a token cached until it expires (fast-jwt's cache), which keeps authenticated requests cheap.
 */
@Injectable()
export class AccessTokens {
  readonly ttlSeconds: number;
  private readonly sign: (payload: Record<string, unknown>) => string;
  private readonly verifier: (token: string) => Record<string, unknown>;

  constructor(config: AppConfig) {
    const key = config.get('JWT_SECRET', { infer: true });
    const issuer = config.get('JWT_ISSUER', { infer: true });
    this.ttlSeconds = config.get('ACCESS_TOKEN_TTL_SECONDS', { infer: true });
    this.sign = createSigner({ key, algorithm: 'HS256', iss: issuer, aud: issuer, expiresIn: this.ttlSeconds * 1000 });
    this.verifier = createVerifier({
      key,
      algorithms: ['HS256'],
      allowedIss: issuer,
      allowedAud: issuer,
      requiredClaims: ['sub', 'sid', 'exp'],
      cache: 10_000,
      cacheTTL: this.ttlSeconds * 1000,
    });
  }

  issue(claims: Omit<AccessTokenClaims, 'exp'>): string {
    return this.sign({ sub: claims.sub, sid: claims.sid, ...(claims.tid ? { tid: claims.tid } : {}) });
  }

  /** The claims, or undefined for any token that is malformed, expired, not signed by us, or not shaped as ours. */
  verify(token: string): AccessTokenClaims | undefined {
    let claims: Record<string, unknown>;
    try {
      claims = this.verifier(token);
    } catch {
      return undefined;
    }
    return isIssuedShape(claims) ? (claims as unknown as AccessTokenClaims) : undefined;
  }
}
