import { Injectable, Logger } from '@nestjs/common';
import { createVerifier, createDecoder, type DecodedJwt } from 'fast-jwt';
import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { AppConfig, type UserPrincipal } from '@itinera/platform';
import { PrismaService } from '@itinera/prisma';
import { AuditService } from '@itinera/audit';
import type { ResolvedPrincipal } from './principal-cache';

interface Jwks {
  keys: (JsonWebKey & { kid?: string; use?: string })[];
}

/** How long fetched signing keys are trusted before the JWKS is read again. */
const JWKS_TTL_MS = 10 * 60_000;
/** An unknown `kid` triggers a refetch (key rotation), but not more often than this. */
const JWKS_MIN_REFETCH_MS = 30_000;

/**
 * Accepts RS256 tokens from one external OIDC issuer (OIDC_ISSUER, keys from OIDC_JWKS_URL, the
 * audience OIDC_AUDIENCE when set), as the seeds' Auth0 set-up did. The token's subject maps to the
 * user linked to `<issuer>|<sub>`; failing that, a verified email maps to the user with that email,
 * which links the two (audited). Unknown identities are refused: sign-up stays with Itinera.
 */
@Injectable()
export class OidcVerifier {
  private readonly logger = new Logger(OidcVerifier.name);
  private readonly issuer?: string;
  private readonly jwksUrl?: string;
  private readonly verify?: (token: string) => Promise<Record<string, unknown>>;
  private readonly decode = createDecoder({ complete: true });
  private keys = new Map<string, string>();
  private fetchedAt = 0;
  private attemptedAt = 0;
  private fetching?: Promise<void>;

  constructor(
    config: AppConfig,
    private readonly prisma: PrismaService,
    private readonly audit: AuditService,
  ) {
    this.issuer = config.get('OIDC_ISSUER', { infer: true });
    this.jwksUrl = config.get('OIDC_JWKS_URL', { infer: true });
    const audience = config.get('OIDC_AUDIENCE', { infer: true });
    if (!this.issuer || !this.jwksUrl) return;
    this.verify = createVerifier({
      algorithms: ['RS256'],
      allowedIss: this.issuer,
      ...(audience ? { allowedAud: audience } : {}),
      requiredClaims: ['sub', 'exp'],
      key: async (decoded: DecodedJwt) => this.keyFor(decoded.header.kid as string | undefined),
    }) as (token: string) => Promise<Record<string, unknown>>;
  }

  get enabled(): boolean {
    return this.verify !== undefined;
  }

  /** The user of a valid token from the issuer, or undefined when the token is not one of its. */
  async authenticate(token: string): Promise<ResolvedPrincipal | undefined> {
    if (!this.verify) return undefined;
    let header: { alg?: string };
    try {
      header = (this.decode(token) as DecodedJwt).header as { alg?: string };
    } catch {
      return undefined;
    }
    if (header.alg !== 'RS256') return undefined;
    let claims: Record<string, unknown>;
    try {
      claims = await this.verify(token);
    } catch (error) {
      this.logger.debug({ reason: (error as { code?: string }).code }, 'OIDC token refused');
      return undefined;
    }
    const user = await this.userFor(claims);
    if (!user) return undefined;
    const principal: UserPrincipal = {
      kind: 'user',
      userId: user.id,
      tenantId: user.tenantId,
      role: user.role,
      isPlatformAdmin: user.isPlatformAdmin,
      via: 'oidc',
    };
    return { principal, validUntil: Number(claims.exp) * 1000 };
  }

  private async userFor(claims: Record<string, unknown>) {
    const subject = `${this.issuer}|${String(claims.sub)}`;
    let user = await this.prisma.user.findUnique({ where: { externalSubject: subject } });
    if (!user && claims.email_verified === true && typeof claims.email === 'string') {
      const candidate = await this.prisma.user.findUnique({ where: { email: claims.email.toLowerCase() } });
      if (candidate && !candidate.externalSubject) {
        user = await this.prisma.transaction(async (tx) => {
          const linked = await tx.user.update({ where: { id: candidate.id }, data: { externalSubject: subject } });
          await this.audit.record(tx, {
            tenantId: null,
            actor: { type: 'USER', id: linked.id },
            action: 'user.oidc_linked',
            resourceType: 'user',
            resourceId: linked.id,
            metadata: { issuer: this.issuer },
          });
          return linked;
        });
      }
    }
    if (!user || user.status !== 'ACTIVE') return undefined;
    const memberships = await this.prisma.$queryRaw<
      { tenant_id: string; tenant_active: boolean; role: UserPrincipal['role'] }[]
    >`
      SELECT tenant_id, tenant_active, role FROM auth_user_memberships(${user.id}::uuid)`;
    const active = memberships.filter((m) => m.tenant_active);
    const chosen = active.find((m) => m.tenant_id === user.defaultTenantId) ?? active[0];
    return { id: user.id, isPlatformAdmin: user.isPlatformAdmin, tenantId: chosen?.tenant_id, role: chosen?.role };
  }

  /** The PEM of the issuer's signing key `kid`, fetching the JWKS when stale or on an unknown kid. */
  private async keyFor(kid: string | undefined): Promise<string> {
    const now = Date.now();
    const stale = now - this.fetchedAt > JWKS_TTL_MS;
    const unknown = !this.keys.has(kid ?? '');
    // One fetch at a time, and after a failed one (or for an unknown kid) not again within
    // JWKS_MIN_REFETCH_MS, so a JWKS outage or a flood of forged kids costs the issuer nothing.
    if ((stale || unknown) && now - this.attemptedAt > JWKS_MIN_REFETCH_MS) {
      this.attemptedAt = now;
      this.fetching ??= this.fetchKeys().finally(() => (this.fetching = undefined));
    }
    if (this.fetching) {
      await this.fetching.catch((error: unknown) => this.logger.warn({ err: error }, 'could not read the OIDC JWKS'));
    }
    const key = this.keys.get(kid ?? '') ?? (this.keys.size === 1 && !kid ? [...this.keys.values()][0] : undefined);
    if (!key) throw new Error('No signing key for this token');
    return key;
  }

  private async fetchKeys(): Promise<void> {
    const response = await fetch(this.jwksUrl!, { signal: AbortSignal.timeout(5_000) });
    if (!response.ok) throw new Error(`JWKS answered ${response.status}`);
    const jwks = (await response.json()) as Jwks;
    const keys = new Map<string, string>();
    for (const jwk of jwks.keys ?? []) {
      if (jwk.kty !== 'RSA' || (jwk.use && jwk.use !== 'sig')) continue;
      const pem = createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
      keys.set(jwk.kid ?? '', pem);
    }
    this.keys = keys;
    this.fetchedAt = Date.now();
  }
}
