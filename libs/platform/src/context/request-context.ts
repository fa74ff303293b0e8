import { asyncLocalStorage, requestContext } from '@fastify/request-context';
import type { AsyncLocalStorage } from 'node:async_hooks';

/** The library types its storage as its accessor object; the store itself is the plain data. */
const storage = asyncLocalStorage as unknown as AsyncLocalStorage<RequestContextStore>;

import type { AuditActor, Principal } from '../auth/principal';

/** What the platform keeps in async context for the current request or job. */
export interface RequestContextStore {
  /** The request id (x-request-id) or, in a job, the id of the request that caused it. */
  requestId?: string;
  /**
   * The tenant whose rows the current unit of work may see: from the access token or API key in a
   * request, from the payload in a job. Tenant-scoped database access (PrismaService.tenant*) reads it.
   */
  tenantId?: string;
  /** Who is acting (set by authentication); absent on public routes. */
  principal?: Principal;
  /** Who the audit log names for changes made now: the principal, or a system job. */
  actor?: AuditActor;
  /** The client's address and user agent, for the audit log. */
  ip?: string;
  userAgent?: string;
  /** 'platform' while a platform operator's route or job runs (the platform audit chain). */
  scope?: 'platform';
}

declare module '@fastify/request-context' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface RequestContextData extends RequestContextStore {}
}

/**
 * The async context of the current request (set by a Fastify hook, @fastify/request-context) or
 * job (`RequestContext.run`). Plain AsyncLocalStorage and no Nest interceptor or guard, which on
 * Node 20 cost several hundred microseconds per request (measured by `npm run bench -- health`).
 */
export const RequestContext = {
  get<K extends keyof RequestContextStore>(key: K): RequestContextStore[K] | undefined {
    return requestContext.get(key);
  },

  set<K extends keyof RequestContextStore>(key: K, value: RequestContextStore[K]): void {
    requestContext.set(key, value);
  },

  /** Runs `work` with its own context: a job handler, a script, a test. */
  run<T>(store: RequestContextStore, work: () => T): T {
    return storage.run({ ...store }, work);
  },
};
