import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { AppConfig, type Principal } from '@itinera/platform';

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
  /** Bumped by every eviction, so a load that overlapped one is not kept (it may have read the state before it). */
  private generation = 0;

  constructor(config: AppConfig) {
    const ttl = config.get('PRINCIPAL_CACHE_TTL_MS', { infer: true });
    if (ttl > 0) this.cache = new LRUCache<string, Principal>({ max: 20_000, ttl });
  }

  async resolve(key: string, load: () => Promise<Principal>): Promise<Principal> {
    const cached = this.cache?.get(key);
    if (cached) return cached;
    const generation = this.generation;
    const principal = await load();
    if (generation === this.generation) this.cache?.set(key, principal);
    return principal;
  }

  /** Forgets every cached principal that `matches` (a revoked session, key, tenant or user). */
  evict(matches: (principal: Principal) => boolean): void {
    if (!this.cache) return;
    this.generation++;
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
