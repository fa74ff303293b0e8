import { AppError } from '@itinera/platform';
import { invalidState, recordNotFound } from '../patient-repository.errors';

/** Codes of the consent problems beyond the domain's shared ones (patient-repository.errors.ts). */
export enum ConsentErrorCode {
  /** The user a grant names is not a member of the tenant with the SPECIALIST role. */
  NotASpecialist = 'NOT_A_SPECIALIST',
}

export const notASpecialist = () =>
  new AppError(ConsentErrorCode.NotASpecialist, 422, 'Unprocessable Content', {
    detail: 'A consent grant can only be given to a specialist of this tenant.',
    errors: [{ field: 'specialistUserId', message: 'is not a member of this tenant with the SPECIALIST role' }],
  });

export const grantNotFound = () => recordNotFound('consent grant');

export const grantNotActive = (status: string) =>
  invalidState(`Only an ACTIVE consent grant can be revoked; this one is ${status}.`, { grantStatus: status });
