import { AsyncLocalStorage } from 'node:async_hooks';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
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

const storage = new AsyncLocalStorage<RequestContextStore>();

/**
 * The async context of the current request (entered by `installRequestContext`'s hooks) or job
 * (`RequestContext.run`). Plain AsyncLocalStorage and no Nest interceptor or guard, which on
 * Node 20 cost several hundred microseconds per request (measured by `npm run bench -- health`).
 */
export const RequestContext = {
  get<K extends keyof RequestContextStore>(key: K): RequestContextStore[K] | undefined {
    return storage.getStore()?.[key];
  },

  set<K extends keyof RequestContextStore>(key: K, value: RequestContextStore[K]): void {
    const store = storage.getStore();
    if (store) store[key] = value;
  },

  /** Runs `work` with its own context: a job handler, a script, a test. */
  run<T>(store: RequestContextStore, work: () => T): T {
    return storage.run({ ...store }, work);
  },
};

const STORE = Symbol('itinera.requestContext');
type RequestWithStore = FastifyRequest & { [STORE]?: RequestContextStore };

/**
 * Gives every request its RequestContext, holding its id, the client's address and user agent:
 * entered in the first onRequest hook, and entered again before validation when a body was parsed,
 * since a body is parsed from the request stream's events, outside it. What @fastify/request-context
 * does, without the AsyncResource it creates and enters per request: `AsyncLocalStorage.run` only
 * swaps the store on the current resource, which measured ~20% of the CPU of a cheap route on
 * Node 20 (`npm run bench -- health`). `prepare` runs first in the same hook (the platform sets the
 * response headers there): a hook less on every request.
 */
export function installRequestContext(
  fastify: FastifyInstance,
  prepare?: (request: FastifyRequest, reply: FastifyReply) => void,
): void {
  fastify.addHook('onRequest', (request: RequestWithStore, reply, done) => {
    prepare?.(request, reply);
    const store: RequestContextStore = {
      requestId: String(request.id),
      ip: request.ip,
      userAgent: request.headers['user-agent'],
    };
    request[STORE] = store;
    storage.run(store, done);
  });
  fastify.addHook('preValidation', (request: RequestWithStore, _reply, done) => {
    const store = request[STORE]!;
    // Without a body, Fastify ran every hook since onRequest in one go, still inside the context.
    if (storage.getStore() === store) done();
    else storage.run(store, done);
  });
}
