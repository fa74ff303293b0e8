import { AppError, validationFailed } from '@itinera/platform';
import { recordNotFound } from '../patient-repository.errors';

/** Codes of the problems the entry routes add to the domain's (PatientErrorCode). */
export enum EntryErrorCode {
  /** `If-Match` / `expectedVersion` names a version other than the entry's current one (someone changed it first). */
  VersionConflict = 'VERSION_CONFLICT',
}

/** No live entry of that id and category in the repository (deleted ones included). */
export const entryNotFound = (noun: string) => recordNotFound(noun);

export const versionConflict = (currentVersion: number) =>
  new AppError(EntryErrorCode.VersionConflict, 409, 'Conflict', {
    detail: 'The entry has changed since that version; read it again and resend your change.',
    extensions: { currentVersion },
  });

/**
 * The version a change is conditional on: `If-Match: "3"` (a weak `W/"3"` is accepted, as is a bare
 * 3) or the body's `expectedVersion`; both present must agree. A malformed header is a 400 naming it.
 */
export function expectedVersionOf(ifMatch: string | undefined, bodyVersion: number | undefined): number | undefined {
  if (ifMatch === undefined || ifMatch.trim() === '' || ifMatch.trim() === '*') return bodyVersion;
  const match = /^(?:W\/)?"?([1-9][0-9]{0,9})"?$/.exec(ifMatch.trim());
  const version = match ? Number(match[1]) : NaN;
  if (!Number.isSafeInteger(version) || version > 2_147_483_647) {
    throw validationFailed([{ field: 'If-Match', message: 'must be the entry version in quotes, e.g. "3"' }]);
  }
  if (bodyVersion !== undefined && bodyVersion !== version) {
    throw validationFailed([{ field: 'expectedVersion', message: 'must equal the version in If-Match' }]);
  }
  return version;
}
