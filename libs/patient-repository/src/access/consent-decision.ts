import type { RecordCategory } from '@prisma/client';
import { TENANT_ADMIN_ROLES, type AppError } from '@itinera/platform';
import {
  healthDataForbidden,
  identityNotVerified,
  recordNotFound,
  scopeNotGranted,
} from '../patient-repository.errors';
import type { AccessActor, DenialReason, RecordAccess, RecordAccessRequest } from './record-access.types';

/**
 * The consent decision as a pure function of what PatientRecordAccess read under its locks, so
 * that its three forms (Prisma, raw pg, several reads at once) judge exactly alike.
 */

/** Staff who administer patients (register, erase) and so may know a repository exists. */
export const STAFF_ROLES = [...TENANT_ADMIN_ROLES, 'MANAGER'];

export interface RepositoryRow {
  id: string;
  status: 'PENDING_IDENTITY' | 'ACTIVE' | 'ERASED';
  patient_user_id: string;
}

export interface LiveGrantRow {
  id: string;
  scopes: RecordCategory[];
  purpose: string;
}

export interface RepositoryGrantRow extends LiveGrantRow {
  repository_id: string;
  specialist_user_id: string;
  period_end: Date;
}

export type AllowedDecision = { allowed: true; access: RecordAccess };
export type Decision = AllowedDecision | { allowed: false; reason: DenialReason; error: AppError };

/** Whether the decision needs the actor's live grant: a specialist reading someone else's existing record. */
export function needsGrant(actor: AccessActor, repository: RepositoryRow | undefined): boolean {
  return (
    repository !== undefined &&
    repository.status !== 'ERASED' &&
    repository.patient_user_id !== actor.id &&
    actor.role === 'SPECIALIST'
  );
}

/**
 * The grant LIVE_GRANT_SQL would pick among `grants` (live, of one specialist on one record): the
 * one covering most of `categories`, then the one ending last, then the lowest id.
 */
export function bestGrant(grants: RepositoryGrantRow[], categories: RecordCategory[]): LiveGrantRow | undefined {
  const wanted = new Set(categories);
  const covers = (g: RepositoryGrantRow) => new Set(g.scopes.filter((s) => wanted.has(s))).size;
  return [...grants].sort(
    (a, b) =>
      covers(b) - covers(a) ||
      b.period_end.getTime() - a.period_end.getTime() ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  )[0];
}

/**
 * The consent decision, from what the transaction read under its locks: the repository (none: no
 * such record) and, for a specialist, their live grant covering most of the categories.
 */
export function judge(
  actor: AccessActor,
  request: RecordAccessRequest,
  repository: RepositoryRow | undefined,
  grant: LiveGrantRow | undefined,
): Decision {
  const deny = (reason: DenialReason, error: AppError): Decision => ({ allowed: false, reason, error });
  if (actor.type === 'API_KEY') return deny('NOT_A_USER', healthDataForbidden());
  if (!repository || repository.status === 'ERASED') return deny('NO_SUCH_RECORD', recordNotFound());
  const base = { repositoryId: repository.id, patientUserId: repository.patient_user_id };

  if (repository.patient_user_id === actor.id) {
    if (repository.status !== 'ACTIVE') return deny('IDENTITY_NOT_VERIFIED', identityNotVerified());
    return { allowed: true, access: { ...base, via: 'PATIENT', categories: request.categories } };
  }
  if (actor.role !== 'SPECIALIST') {
    return STAFF_ROLES.includes(actor.role ?? '')
      ? deny('STAFF_NO_PHI_ACCESS', healthDataForbidden())
      : deny('NOT_THE_PATIENT', recordNotFound());
  }
  if (!grant) return deny('NO_LIVE_GRANT', recordNotFound());
  const covered = request.categories.filter((c) => grant.scopes.includes(c));
  const missing = request.categories.filter((c) => !grant.scopes.includes(c));
  if (missing.length > 0 && (!request.partial || covered.length === 0)) {
    return deny('SCOPE_NOT_GRANTED', scopeNotGranted(missing));
  }
  return {
    allowed: true,
    access: { ...base, via: 'CONSENT', grantId: grant.id, purpose: grant.purpose, categories: covered },
  };
}
