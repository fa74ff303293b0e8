import { createHash } from 'node:crypto';
import { Query, type QueryResult, type QueryResultRow } from 'pg';
// pg's own value serialisation, the one its Query uses for every bound parameter.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { prepareValue } = require('pg/lib/utils') as { prepareValue: (value: unknown) => unknown };
import { SET_SCOPE_SQL, type DatabaseScope } from './tenant-scope';

/** The wire-protocol calls of pg's Connection this query uses (pg types it loosely). */
interface WireConnection {
  parse(message: { text: string; name: string; types: unknown[] }): void;
  bind(message: { portal: string; statement: string; values: unknown[]; valueMapper: unknown }): void;
  describe(message: { type: 'P'; name: string }): void;
  execute(message: { portal: string }): void;
  close(message: { type: 'S'; name: string }): void;
  sync(): void;
  /** Statements this module prepared on the connection. */
  itineraPrepared?: Set<string>;
}

const SCOPE_STATEMENT = 'itinera_scope';

const statementName = (sql: string) => `itinera_${createHash('sha1').update(sql).digest('hex').slice(0, 20)}`;

/**
 * A tenant-scoped statement in ONE round trip with prepared statements: Bind/Execute of the
 * prepared `set_config` and Bind/Execute of the prepared statement go out together before a single
 * Sync, and PostgreSQL runs everything before a Sync as one implicit transaction, so the scope
 * (set locally) holds for the statement and ends with it. Values travel as bound parameters,
 * never inlined. Each connection parses each statement once; after any error both are parsed
 * again (Close first: closing a statement that does not exist is not an error).
 *
 * An extension of pg's own Query (its `prepare` step), since node-postgres sends one statement per
 * Sync; the results arrive as pg's multi-result array, the statement's last.
 */
export class ScopedQuery<R extends QueryResultRow> extends Query<R> {
  private readonly statement: string;
  private readonly params: unknown[];
  private connection?: WireConnection;

  constructor(
    private readonly scope: DatabaseScope,
    private readonly sql: string,
    values: readonly unknown[],
  ) {
    super({ text: sql, values: [...values] });
    this.statement = statementName(sql);
    this.params = [...values];
  }

  requiresPreparation(): boolean {
    return true;
  }

  prepare(connection: WireConnection): void {
    const prepared = (connection.itineraPrepared ??= new Set());
    this.run(connection, prepared, SCOPE_STATEMENT, SET_SCOPE_SQL, [this.scope.tenantId ?? '', this.scope.scope ?? '']);
    this.run(connection, prepared, this.statement, this.sql, this.params);
    connection.sync();
    this.connection = connection;
  }

  /** Forgets what this connection has prepared, so the next use parses again. */
  handleError(error: Error, connection: unknown): void {
    this.connection?.itineraPrepared?.clear();
    (Query.prototype as unknown as { handleError(e: Error, c: unknown): void }).handleError.call(
      this,
      error,
      connection,
    );
  }

  private run(connection: WireConnection, prepared: Set<string>, name: string, text: string, values: unknown[]): void {
    if (!prepared.has(name)) {
      connection.close({ type: 'S', name });
      connection.parse({ text, name, types: [] });
      prepared.add(name);
    }
    connection.bind({ portal: '', statement: name, values, valueMapper: prepareValue });
    connection.describe({ type: 'P', name: '' });
    connection.execute({ portal: '' });
  }
}

/** The statement's rows out of the scoped query's results (the scope's row comes first). */
export function rowsOf<R extends QueryResultRow>(results: QueryResult<R> | QueryResult<R>[]): R[] {
  return Array.isArray(results) ? results[results.length - 1].rows : results.rows;
}
