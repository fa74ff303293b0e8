import type { RecordCategory } from '@prisma/client';
import { RequestContext, type Principal, type RequestContextStore, type TenantRole } from '@itinera/platform';
import { ENTRY_CATEGORIES } from '../entries/entry-content';

/** Every category of a record: personal information and the seven kinds of clinical entry. */
export const RECORD_CATEGORIES: RecordCategory[] = ['PERSONAL_INFO', ...ENTRY_CATEGORIES];

/** What a read of health data does, as the access log names it. */
export type AccessAction = 'READ' | 'LIST' | 'HISTORY' | 'EXPORT' | 'ANALYSIS';

/** Why a read was refused, as the access log names it (the answer itself is 404 or 403). */
export type DenialReason =
  | 'NO_SUCH_RECORD'
  | 'NOT_THE_PATIENT'
  | 'IDENTITY_NOT_VERIFIED'
  | 'NO_LIVE_GRANT'
  | 'SCOPE_NOT_GRANTED'
  | 'STAFF_NO_PHI_ACCESS'
  | 'NOT_A_USER';

/**
 * Who reads: a signed-in user, or the worker acting for the user who asked for an analysis (the
 * access log then says SYSTEM and names that user).
 */
export interface AccessActor {
  type: 'USER' | 'API_KEY' | 'SYSTEM';
  /** The user (for SYSTEM: the user the job acts for); the API key id for API_KEY. */
  id: string;
  role?: TenantRole;
}

export function accessActorOf(principal: Principal): AccessActor {
  return principal.kind === 'user'
    ? { type: 'USER', id: principal.userId, role: principal.role }
    : { type: 'API_KEY', id: principal.apiKeyId };
}

export interface RecordAccessRequest {
  repositoryId: string;
  action: AccessAction;
  /** The categories the read touches. */
  categories: RecordCategory[];
  /**
   * With `partial`, a reader whose grant covers only some of `categories` reads those (an export of
   * "everything I may see"); without it, every category must be covered.
   */
  partial?: boolean;
  /** The entry (or analysis) read, when one is. */
  resourceId?: string;
}

/** Handed to the read once access is allowed (and logged). */
export interface RecordAccess {
  repositoryId: string;
  patientUserId: string;
  /** PATIENT: the record's own patient; CONSENT: a specialist under `grantId`. */
  via: 'PATIENT' | 'CONSENT';
  grantId?: string;
  purpose?: string;
  /** The categories this read may return (all requested ones unless `partial`). */
  categories: RecordCategory[];
}

/**
 * The request or job a read belongs to, as its access-log row and audit entries name it (request
 * id, client address and user agent, the audit actor, the tenant).
 */
export type AccessContext = Pick<RequestContextStore, 'requestId' | 'tenantId' | 'actor' | 'ip' | 'userAgent'>;

/** The current request's or job's AccessContext. */
export function currentAccessContext(): AccessContext {
  return {
    requestId: RequestContext.get('requestId'),
    tenantId: RequestContext.get('tenantId'),
    actor: RequestContext.get('actor'),
    ip: RequestContext.get('ip'),
    userAgent: RequestContext.get('userAgent'),
  };
}

/** One read of several decided together (PatientRecordAccess.readMany, readEach). */
export interface AccessRead {
  actor: AccessActor;
  request: RecordAccessRequest;
  /** The request or job the read belongs to; the current one when not given. */
  context?: AccessContext;
}
