import { AppError } from '../errors/app-error';
import type { Principal } from './principal';
import type { RouteAccess } from './route-access';

/** Codes of authentication and authorisation problems. */
export enum AuthErrorCode {
  /** No credentials, or credentials that are malformed, expired, revoked or not ours. */
  Unauthenticated = 'UNAUTHENTICATED',
  /** A known principal without the right to this route or resource. */
  Forbidden = 'FORBIDDEN',
  /** The route needs an active tenant and the session has none (switch tenant first). */
  TenantRequired = 'TENANT_REQUIRED',
}

/** Every 401 names the scheme to authenticate with (RFC 9110 requires the header on a 401). */
export const WWW_AUTHENTICATE = { 'www-authenticate': 'Bearer realm="itinera"' };

export function unauthenticated(detail = 'Missing or invalid credentials.'): AppError {
  return new AppError(AuthErrorCode.Unauthenticated, 401, 'Unauthorized', {
    detail,
    headers: WWW_AUTHENTICATE,
  });
}

export function forbidden(detail: string, code: string = AuthErrorCode.Forbidden): AppError {
  return new AppError(code, 403, 'Forbidden', { detail });
}

/**
 * Whether `principal` may call a route with `access` (authentication already succeeded); throws
 * the 403 that says why not. Pure, so it is unit-tested without HTTP.
 */
export function authorize(principal: Principal, access: RouteAccess = {}): void {
  if (principal.kind === 'api-key') {
    if (access.platformAdmin || !access.apiKeyScopes) {
      throw forbidden('This route does not accept API keys.');
    }
    const missing = access.apiKeyScopes.filter((scope) => !principal.scopes.includes(scope));
    if (missing.length) throw forbidden(`The API key lacks the scope ${missing.join(', ')}.`);
    return;
  }
  if (access.platformAdmin) {
    if (!principal.isPlatformAdmin) throw forbidden('Platform administrators only.');
    return;
  }
  if (!principal.tenantId || !principal.role) {
    if (access.withoutTenant) return;
    throw forbidden(
      'The session has no active tenant: join one, or switch to one with POST /auth/switch-tenant.',
      AuthErrorCode.TenantRequired,
    );
  }
  if (access.roles && !access.roles.includes(principal.role)) {
    throw forbidden(`Requires the role ${access.roles.join(' or ')} in the tenant.`);
  }
}
