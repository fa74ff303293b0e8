import { Injectable, Logger } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import {
  unauthenticated,
  type ApiKeyPrincipal,
  type Principal,
  type TenantRole,
  type UserPrincipal,
} from '@itinera/platform';
import { PrismaService } from '@itinera/prisma';
import { AccessTokens } from '../credentials/access-tokens';
import { looksLikeApiKey, parseApiKey } from '../credentials/api-key-format';
import { sha256 } from '@itinera/platform';
import { OidcVerifier } from './oidc-verifier';
import { PrincipalCache, type ResolvedPrincipal } from './principal-cache';

interface SessionPrincipalRow {
  user_id: string;
  session_active: boolean;
  user_active: boolean;
  is_platform_admin: boolean;
  role: TenantRole | null;
  tenant_active: boolean | null;
}

interface ApiKeyRow {
  id: string;
  tenant_id: string;
  key_hash: Buffer;
  scopes: string[];
  expires_at: Date | null;
  revoked_at: Date | null;
  tenant_active: boolean;
}

/** How often at most `api_keys.last_used_at` is written for one key (it is a hint, not a log). */
const LAST_USED_WRITE_INTERVAL_MS = 60_000;

/**
 * Turns a request's credentials into a principal: an Itinera access token, an API key
 * (`Authorization: Bearer itk_…` or `X-API-Key`), or an accepted OIDC token. Every failure is the
 * same 401, whatever the reason, so the answer does not help guessing.
 */
@Injectable()
export class Authenticator {
  private readonly logger = new Logger(Authenticator.name);
  private readonly lastUsedWrites = new Map<string, number>();

  constructor(
    private readonly prisma: PrismaService,
    private readonly tokens: AccessTokens,
    private readonly cache: PrincipalCache,
    private readonly oidc: OidcVerifier,
  ) {}

  /** The principal of the request's credentials; 401 when there are none or they are not valid. */
  async authenticate(headers: IncomingHttpHeaders): Promise<Principal> {
    const credential = credentialOf(headers);
    if (!credential) throw unauthenticated();
    const cacheKey = createHash('sha256').update(credential).digest('base64');
    const principal = await this.cache.resolve(cacheKey, () => this.load(credential));
    if (principal.kind === 'api-key') this.touchApiKey(principal);
    return principal;
  }

  /** The principal of a credential and until when the credential itself is valid (for the cache). */
  private async load(credential: string): Promise<ResolvedPrincipal> {
    if (looksLikeApiKey(credential)) return this.loadApiKey(credential);
    const claims = this.tokens.verify(credential);
    if (claims) {
      return { principal: await this.loadSession(claims.sub, claims.sid, claims.tid), validUntil: claims.exp * 1000 };
    }
    if (this.oidc.enabled) {
      const resolved = await this.oidc.authenticate(credential);
      if (resolved) return resolved;
    }
    throw unauthenticated();
  }

  private async loadSession(userId: string, sessionId: string, tenantId?: string): Promise<UserPrincipal> {
    const { rows } = await this.prisma.query<SessionPrincipalRow>({
      name: 'auth_session_principal',
      text: 'SELECT * FROM auth_session_principal($1, $2)',
      values: [sessionId, tenantId ?? null],
    });
    const row = rows[0];
    if (!row || row.user_id !== userId || !row.session_active || !row.user_active) {
      throw unauthenticated('The session has ended; sign in again.');
    }
    if (tenantId && (!row.role || !row.tenant_active)) {
      throw unauthenticated('The token is no longer valid for its tenant; refresh or sign in again.');
    }
    return {
      kind: 'user',
      userId,
      sessionId,
      tenantId,
      role: row.role ?? undefined,
      isPlatformAdmin: row.is_platform_admin,
      via: 'access-token',
    };
  }

  private async loadApiKey(credential: string): Promise<ResolvedPrincipal> {
    const parsed = parseApiKey(credential);
    if (!parsed) throw unauthenticated();
    const { rows } = await this.prisma.query<ApiKeyRow>({
      name: 'auth_api_key',
      text: 'SELECT * FROM auth_api_key($1)',
      values: [parsed.prefix],
    });
    const row = rows[0];
    const hash = sha256(parsed.secret);
    const matches = row !== undefined && timingSafeEqual(hash, row.key_hash);
    if (!matches || row.revoked_at || (row.expires_at && row.expires_at <= new Date()) || !row.tenant_active) {
      throw unauthenticated('The API key is not valid.');
    }
    return {
      principal: { kind: 'api-key', apiKeyId: row.id, tenantId: row.tenant_id, scopes: row.scopes },
      validUntil: row.expires_at?.getTime(),
    };
  }

  /** Keeps last_used_at roughly current without a write per request. */
  private touchApiKey(principal: ApiKeyPrincipal): void {
    const now = Date.now();
    const last = this.lastUsedWrites.get(principal.apiKeyId) ?? 0;
    if (now - last < LAST_USED_WRITE_INTERVAL_MS) return;
    this.lastUsedWrites.set(principal.apiKeyId, now);
    if (this.lastUsedWrites.size > 10_000) this.lastUsedWrites.clear();
    this.prisma
      .tenantQuery('UPDATE api_keys SET last_used_at = now() WHERE id = $1', [principal.apiKeyId], {
        tenantId: principal.tenantId,
      })
      .catch((error: unknown) => this.logger.warn({ err: error }, 'could not record API key use'));
  }
}

/** `Authorization: Bearer <token or key>`, else `X-API-Key`. */
function credentialOf(headers: IncomingHttpHeaders): string | undefined {
  const authorization = headers.authorization;
  if (authorization) {
    const [scheme, value] = authorization.split(' ');
    return scheme?.toLowerCase() === 'bearer' && value ? value.trim() : undefined;
  }
  const apiKey = headers['x-api-key'];
  return typeof apiKey === 'string' && apiKey ? apiKey.trim() : undefined;
}
