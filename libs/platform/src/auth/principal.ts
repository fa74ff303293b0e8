/** Roles a user holds in a tenant: staff from most to least powerful, then the patient-repository roles. */
export const TENANT_ROLES = ['OWNER', 'ADMIN', 'MANAGER', 'MEMBER', 'VIEWER', 'PATIENT', 'SPECIALIST'] as const;
export type TenantRole = (typeof TENANT_ROLES)[number];

/** The roles that administer a tenant (members, API keys, audit log). */
export const TENANT_ADMIN_ROLES: TenantRole[] = ['OWNER', 'ADMIN'];

/** A signed-in person: by Itinera's own access token or an external OIDC token. */
export interface UserPrincipal {
  kind: 'user';
  userId: string;
  /** The sign-in session (absent for OIDC tokens, which Itinera did not issue). */
  sessionId?: string;
  /** The session's active tenant and the user's role in it; absent while the user has none. */
  tenantId?: string;
  role?: TenantRole;
  isPlatformAdmin: boolean;
  via: 'access-token' | 'oidc';
}

/** A tenant's machine credential. */
export interface ApiKeyPrincipal {
  kind: 'api-key';
  apiKeyId: string;
  tenantId: string;
  scopes: string[];
}

export type Principal = UserPrincipal | ApiKeyPrincipal;

export type AuditActorType = 'USER' | 'API_KEY' | 'RECIPIENT_LINK' | 'SYSTEM' | 'ANONYMOUS';

/** Who an audit entry names as having acted. */
export interface AuditActor {
  type: AuditActorType;
  id?: string;
}

export function actorOf(principal: Principal): AuditActor {
  return principal.kind === 'user'
    ? { type: 'USER', id: principal.userId }
    : { type: 'API_KEY', id: principal.apiKeyId };
}
