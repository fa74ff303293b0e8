import { AppError } from '@itinera/platform';
import { PatientErrorCode } from '../patient-repository.errors';

/** Codes of the problems of registration, identity challenges and personal information. */
export enum PatientRecordErrorCode {
  /** patientUserId is not a member of the tenant with the PATIENT role. */
  NotAPatient = 'NOT_A_PATIENT',
  /** An identity challenge was answered wrong; `attemptsRemaining` says how many tries are left. */
  WrongAnswers = 'IDENTITY_CHALLENGE_WRONG_ANSWERS',
  /** The patient used up a challenge's attempts and must wait; `Retry-After` says how long. */
  ChallengeCooldown = 'IDENTITY_CHALLENGE_COOLDOWN',
  /** The challenge's time ran out before it was answered; ask for a new one. */
  ChallengeExpired = 'IDENTITY_CHALLENGE_EXPIRED',
}

export const notAPatient = () =>
  new AppError(PatientRecordErrorCode.NotAPatient, 422, 'Unprocessable Content', {
    detail: 'The user is not a member of this tenant with the PATIENT role.',
    errors: [{ field: 'patientUserId', message: 'must be a member of the tenant with the PATIENT role' }],
  });

/** `samePerson`: the identity hash matched; otherwise the patient user already has a repository. */
export const duplicatePatient = (samePerson: boolean) =>
  new AppError(PatientErrorCode.DuplicatePatient, 409, 'Conflict', {
    detail: samePerson
      ? 'A repository for the same person (name, date of birth and primary identifier) already exists in this tenant.'
      : 'This patient already has a repository in this tenant.',
    errors: [
      samePerson
        ? { field: 'personalInfo', message: 'identifies a person who already has a repository' }
        : { field: 'patientUserId', message: 'already has a repository' },
    ],
  });

export const wrongAnswers = (attemptsRemaining: number, cooldownUntil?: Date) =>
  new AppError(PatientRecordErrorCode.WrongAnswers, 422, 'Unprocessable Content', {
    detail:
      attemptsRemaining > 0
        ? `The answers do not match what is on file. ${attemptsRemaining} attempt(s) remaining.`
        : 'The answers do not match what is on file. No attempts remain: wait for the cool-down, then ask for a new challenge.',
    extensions: { attemptsRemaining, ...(cooldownUntil ? { cooldownUntil: cooldownUntil.toISOString() } : {}) },
  });

export const challengeCooldown = (until: Date) => {
  const retryAfter = String(Math.max(1, Math.ceil((until.getTime() - Date.now()) / 1000)));
  return new AppError(PatientRecordErrorCode.ChallengeCooldown, 429, 'Too Many Requests', {
    detail: `Too many wrong answers. Retry after ${retryAfter} seconds.`,
    extensions: { cooldownUntil: until.toISOString() },
    headers: { 'retry-after': retryAfter },
  });
};

export const challengeExpired = () =>
  new AppError(PatientRecordErrorCode.ChallengeExpired, 410, 'Gone', {
    detail: 'The identity challenge expired. Ask for a new one.',
  });
