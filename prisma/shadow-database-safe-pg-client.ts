import { Client } from 'pg';

/** Databases that `prisma migrate dev` / `migrate diff` create for a moment and drop while still connected. */
const SHADOW_DATABASE_PREFIX = 'prisma_migrate_shadow_db_';
const DROP_SHADOW_DATABASE = /^\s*DROP DATABASE "prisma_migrate_shadow_db_[^"]+"\s*;?\s*$/i;

/**
 * The `pg.Client` that the migrate CLI's adapter uses. adapter-pg 6.19 drops the shadow database
 * while its own pool still holds a connection to it: the drop is forced (`WITH (FORCE)`) so it
 * succeeds, and the disconnect that follows is not re-emitted, or pg-pool's unhandled `error`
 * event would crash the CLI.
 */
export class ShadowDatabaseSafePgClient extends Client {
  private readonly connectedToShadowDatabase = Boolean(
    (this as unknown as { database?: string }).database?.startsWith(SHADOW_DATABASE_PREFIX),
  );

  // pg-pool calls query(text, values, callback); the adapter uses the promise form. Both pass through.
  override query(...args: unknown[]): never {
    if (typeof args[0] === 'string' && DROP_SHADOW_DATABASE.test(args[0])) {
      args[0] = `${args[0].trim().replace(/;$/, '')} WITH (FORCE)`;
    }
    return (super.query as (...a: unknown[]) => never)(...args);
  }

  override emit(event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'error' && this.connectedToShadowDatabase) return true;
    return super.emit(event, ...args);
  }
}
