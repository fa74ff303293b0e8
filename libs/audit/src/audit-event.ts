import type { AuditActor } from '@itinera/platform';

/**
 * One audit entry as services write it. Actor, tenant, IP, user agent and request id default to
 * the current request or job (RequestContext); pass them only to override (e.g. a failed sign-in,
 * where nobody is authenticated yet).
 */
export interface AuditEventInput {
  /** What happened, `<resource>.<verb>` in the past tense: `auth.login_failed`, `api_key.created`. */
  action: string;
  resourceType?: string;
  resourceId?: string;
  /** The resource before and after the change, for changes (never secrets). */
  before?: unknown;
  after?: unknown;
  /** Context that is not a change: a failure reason, the email a failed sign-in named. */
  metadata?: Record<string, unknown>;
  /** The tenant the entry belongs to; defaults to the context's; null for the platform chain. */
  tenantId?: string | null;
  actor?: AuditActor;
  ip?: string;
  userAgent?: string;
}

/** Resource type names used across domains, so filters can rely on them. */
export const AuditResource = {
  Tenant: 'tenant',
  User: 'user',
  Membership: 'membership',
  Session: 'session',
  ApiKey: 'api_key',
} as const;
