import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { AppConfig, type Principal } from '@itinera/platform';

/** A credential's principal, and when the credential itself expires (epoch ms), if it does. */
export interface ResolvedPrincipal {
  principal: Principal;
  validUntil?: number;
}

/**
 * Resolved principals, per credential, for PRINCIPAL_CACHE_TTL_MS: an authenticated request then
 * costs no database round trip. Revocations made by this instance evict once committed (and a
 * principal whose load overlapped an eviction is not cached, since it may predate it); another instance
 * notices within the TTL (5 s by default), which bounds how long a revoked session or key, a
 * removed member or a deactivated tenant can still be used there.
 */
@Injectable()
export class PrincipalCache {
  private readonly cache?: LRUCache<string, Principal>;
  private readonly ttlMs: number;
  /** Bumped by every eviction, so a load that overlapped one is not kept (it may have read the state before it). */
  private generation = 0;
  /** Loads in flight, by credential. */
  private readonly loading = new Map<string, Promise<Principal>>();

  constructor(config: AppConfig) {
    this.ttlMs = config.get('PRINCIPAL_CACHE_TTL_MS', { infer: true });
    if (this.ttlMs > 0) this.cache = new LRUCache<string, Principal>({ max: 20_000, ttl: this.ttlMs });
  }

  /**
   * The cached principal of `key`, else `load`'s, kept no longer than its credential is valid.
   * Concurrent requests with the same credential share one load (when an entry expires under
   * load, the requests in flight would otherwise each look it up again).
   */
  async resolve(key: string, load: () => Promise<ResolvedPrincipal>): Promise<Principal> {
    const cached = this.cache?.get(key);
    if (cached) return cached;
    const inFlight = this.loading.get(key);
    if (inFlight) return inFlight;
    const pending: Promise<Principal> = this.loadAndKeep(key, load).finally(() => {
      if (this.loading.get(key) === pending) this.loading.delete(key);
    });
    this.loading.set(key, pending);
    return pending;
  }

  private async loadAndKeep(key: string, load: () => Promise<ResolvedPrincipal>): Promise<Principal> {
    const generation = this.generation;
    const { principal, validUntil } = await load();
    const ttl = validUntil === undefined ? this.ttlMs : Math.min(this.ttlMs, validUntil - Date.now());
    if (generation === this.generation && ttl > 0) this.cache?.set(key, principal, { ttl });
    return principal;
  }

  /** Forgets every cached principal that `matches` (a revoked session, key, tenant or user). */
  evict(matches: (principal: Principal) => boolean): void {
    this.generation++;
    // Loads in flight may have read the state before the change: later requests start their own.
    this.loading.clear();
    if (!this.cache) return;
    for (const [key, principal] of this.cache.entries()) if (matches(principal)) this.cache.delete(key);
  }

  evictSession(sessionId: string): void {
    this.evict((p) => p.kind === 'user' && p.sessionId === sessionId);
  }

  evictUser(userId: string): void {
    this.evict((p) => p.kind === 'user' && p.userId === userId);
  }

  evictTenant(tenantId: string): void {
    this.evict((p) => p.tenantId === tenantId);
  }

  evictApiKey(apiKeyId: string): void {
    this.evict((p) => p.kind === 'api-key' && p.apiKeyId === apiKeyId);
  }
}
