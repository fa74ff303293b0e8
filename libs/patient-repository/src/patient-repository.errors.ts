import { AppError } from '@itinera/platform';

/** Codes of the problems the patient-repository domain answers with. */
export enum PatientErrorCode {
  /** No such repository, entry, grant or analysis for the caller (or none they may know exists). */
  NotFound = 'NOT_FOUND',
  /** A live grant exists but does not cover the category asked for. */
  ScopeNotGranted = 'SCOPE_NOT_GRANTED',
  /** The caller knows the record exists but may not read or change it (e.g. staff and health data). */
  Forbidden = 'FORBIDDEN',
  /** The patient has not passed an identity challenge for this repository yet. */
  IdentityNotVerified = 'IDENTITY_NOT_VERIFIED',
  /** The same person already has a repository in this tenant (identity hash), or the patient has one. */
  DuplicatePatient = 'DUPLICATE_PATIENT',
  /** The state of the resource does not allow the change (e.g. a finished analysis, a revoked grant). */
  InvalidState = 'INVALID_STATE',
}

export const recordNotFound = (what = 'patient repository') =>
  new AppError(PatientErrorCode.NotFound, 404, 'Not Found', { detail: `No such ${what}.` });

export const scopeNotGranted = (categories: readonly string[]) =>
  new AppError(PatientErrorCode.ScopeNotGranted, 403, 'Forbidden', {
    detail: `Your consent grant does not cover ${categories.join(', ')}.`,
    extensions: { categories },
  });

export const identityNotVerified = () =>
  new AppError(PatientErrorCode.IdentityNotVerified, 403, 'Forbidden', {
    detail:
      'Pass an identity challenge for this repository first (POST /patient-repositories/{id}/identity-challenges).',
  });

export const healthDataForbidden = () =>
  new AppError(PatientErrorCode.Forbidden, 403, 'Forbidden', {
    detail: 'Health data is readable only by the patient and by specialists under a live consent grant.',
  });

export const invalidState = (detail: string, extensions?: Record<string, unknown>) =>
  new AppError(PatientErrorCode.InvalidState, 409, 'Conflict', { detail, extensions });
