import { escapeLiteral } from 'pg';
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

/**
 * The scope as a statement with the values inlined, for the one-round-trip path: only a UUID
 * (checked by currentScope) and a fixed word ever go in.
 */
export function setScopeStatement(scope: DatabaseScope): string {
  return `SELECT set_config('app.tenant_id', '${scope.tenantId ?? ''}', true), set_config('app.scope', '${scope.scope ?? ''}', true)`;
}

/** One value as an SQL literal, for statements sent through the simple query protocol. */
export function sqlLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'string') return escapeLiteral(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('Non-finite number in an SQL statement');
    return String(value);
  }
  if (typeof value === 'bigint') return String(value);
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (value instanceof Date) return `${escapeLiteral(value.toISOString())}::timestamptz`;
  if (Buffer.isBuffer(value)) return `'\\x${value.toString('hex')}'::bytea`;
  throw new TypeError(
    `Cannot inline a ${typeof value} into an SQL statement; pass strings, numbers, booleans, dates or buffers`,
  );
}

/**
 * `sql` with its $1..$n placeholders replaced by literals. For statements written in code (never
 * with user text in `sql` itself), whose values are escaped by pg's own escapeLiteral.
 */
export function inlineParameters(sql: string, values: readonly unknown[]): string {
  return sql.replace(/\$(\d+)/g, (_match, index: string) => {
    const i = Number(index) - 1;
    if (i < 0 || i >= values.length) throw new RangeError(`No value for $${index}`);
    return sqlLiteral(values[i]);
  });
}
