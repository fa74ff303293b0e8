import { RequestContext } from '@itinera/platform';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The settings row-level security reads in a transaction (see the migrations' app_current_tenant()). */
export interface DatabaseScope {
  /** The tenant whose rows are visible; none means tenant-owned tables show nothing. */
  tenantId?: string;
  /** 'platform' for platform operators' work (the platform audit chain). */
  scope?: 'platform';
}

/**
 * Thrown when tenant-scoped access runs with no tenant in context: a programming error (a route
 * marked for tenants always has one after authentication), so it is a 500, never a client's fault.
 */
export class MissingTenantScopeError extends Error {
  constructor() {
    super('Tenant-scoped database access with no tenant in the request or job context');
    this.name = 'MissingTenantScopeError';
  }
}

/** The scope of the current request or job, or `override`; requires a tenant unless `allowNone`. */
export function currentScope(override?: DatabaseScope, allowNone = false): DatabaseScope {
  const scope: DatabaseScope = {
    tenantId: override?.tenantId ?? RequestContext.get('tenantId'),
    scope: override?.scope ?? RequestContext.get('scope'),
  };
  if (scope.tenantId !== undefined && !UUID.test(scope.tenantId)) {
    throw new Error('The tenant id in context is not a UUID');
  }
  if (!scope.tenantId && !allowNone && scope.scope !== 'platform') throw new MissingTenantScopeError();
  return scope;
}

/** The statement that sets a scope for the rest of the current transaction ($1 tenant, $2 scope). */
export const SET_SCOPE_SQL = "SELECT set_config('app.tenant_id', $1, true), set_config('app.scope', $2, true)";
