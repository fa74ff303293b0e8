import { AppError, WWW_AUTHENTICATE } from '@itinera/platform';

/** Codes of the problems identity and tenancy answer with. */
export enum IdentityErrorCode {
  /** Email or password (or MFA code) is wrong; the same answer whether or not the email exists. */
  InvalidCredentials = 'INVALID_CREDENTIALS',
  /** The account has MFA: send `mfaCode` with the email and password. */
  MfaRequired = 'MFA_REQUIRED',
  /** The refresh token is unknown, used, expired or its session revoked; sign in again. */
  InvalidRefreshToken = 'INVALID_REFRESH_TOKEN',
  /** The email is already registered. */
  EmailTaken = 'EMAIL_TAKEN',
  /** The user is not a member of that tenant, or the tenant is deactivated. */
  TenantUnavailable = 'TENANT_UNAVAILABLE',
  /** The MFA code is wrong or was already used. */
  InvalidMfaCode = 'INVALID_MFA_CODE',
  /** MFA is already on (or not enrolled / not on, for confirm and disable). */
  MfaState = 'MFA_STATE',
  /** The tenant domain is already taken. */
  DomainTaken = 'DOMAIN_TAKEN',
  /** The change would leave the tenant without an owner, or needs an owner to make it. */
  OwnerRequired = 'OWNER_REQUIRED',
}

export const invalidCredentials = () =>
  new AppError(IdentityErrorCode.InvalidCredentials, 401, 'Unauthorized', {
    headers: WWW_AUTHENTICATE,
    detail: 'The email, password or MFA code is wrong.',
  });

export const notFound = (what: string) => new AppError('NOT_FOUND', 404, 'Not Found', { detail: `No such ${what}.` });
