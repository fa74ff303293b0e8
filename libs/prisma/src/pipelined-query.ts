import { createHash } from 'node:crypto';
import { Query, type PoolClient, type QueryResult } from 'pg';
// pg's own value serialisation, the one its Query uses for every bound parameter.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { prepareValue } = require('pg/lib/utils') as { prepareValue: (value: unknown) => unknown };

/** One statement written in code; values travel as bound parameters, never inlined. */
export interface PgStatement {
  text: string;
  values?: readonly unknown[];
}

/** The wire-protocol calls of pg's Connection used here (pg types it loosely). */
interface WireConnection {
  parse(message: { text: string; name: string; types: unknown[] }): void;
  bind(message: { portal: string; statement: string; values: unknown[]; valueMapper?: unknown }): void;
  describe(message: { type: 'P'; name: string }): void;
  execute(message: { portal: string }): void;
  close(message: { type: 'S'; name: string }): void;
  sync(): void;
  /** Statements this module prepared on the connection. */
  itineraPrepared?: Set<string>;
}

/** A statement's name on every connection, from its text. */
const names = new Map<string, string>();
const statementName = (sql: string) => {
  let name = names.get(sql);
  if (!name) {
    name = `itinera_${createHash('sha1').update(sql).digest('hex').slice(0, 20)}`;
    // Statements are written in code, so the map stays small; a bound keeps it so regardless.
    if (names.size < 10_000) names.set(sql, name);
  }
  return name;
};

/**
 * Several prepared statements in ONE round trip: Bind/Execute of each (Parse first on a connection
 * that has not prepared it) before a single Sync. Inside an explicit transaction (BEGIN sent
 * earlier or first in the batch) they simply run in order; an error skips the rest up to the Sync
 * and leaves the transaction aborted. Results arrive as pg's multi-result array, one per statement.
 */
class PipelinedQuery extends Query {
  private connection?: WireConnection;
  /** Values serialised up front, so a value pg cannot send fails this call rather than the connection. */
  private readonly bound: unknown[][];

  /**
   * `described`: the statements the query is timed, labelled and logged (when slow) as, those that
   * say what it does rather than the BEGIN or scope that go with them; all of them by default.
   */
  constructor(
    private readonly statements: PgStatement[],
    described: PgStatement[] = statements,
  ) {
    super({ text: described.map((s) => s.text).join(';\n') });
    this.bound = statements.map((s) => (s.values ?? []).map((v) => prepareValue(v)));
  }

  requiresPreparation(): boolean {
    return true;
  }

  prepare(connection: WireConnection): void {
    const prepared = (connection.itineraPrepared ??= new Set());
    this.statements.forEach((statement, i) => {
      const name = statementName(statement.text);
      if (!prepared.has(name)) {
        // Closing a statement that does not exist is not an error.
        connection.close({ type: 'S', name });
        connection.parse({ text: statement.text, name, types: [] });
        prepared.add(name);
      }
      connection.bind({ portal: '', statement: name, values: this.bound[i] });
      connection.describe({ type: 'P', name: '' });
      connection.execute({ portal: '' });
    });
    connection.sync();
    this.connection = connection;
  }

  /** Statements after the failing one were not parsed: forget what this connection prepared. */
  handleError(error: Error, connection: unknown): void {
    this.connection?.itineraPrepared?.clear();
    (Query.prototype as unknown as { handleError(e: Error, c: unknown): void }).handleError.call(
      this,
      error,
      connection,
    );
  }
}

/**
 * Sends `statements` as one PipelinedQuery on `client` (described as `described`, by default all of
 * them) and returns one result per statement. The
 * callback goes in as an argument (pg sets it on the query), so the timed client times the batch
 * like any other statement.
 */
export function sendPipelined(
  client: PoolClient,
  statements: PgStatement[],
  described?: PgStatement[],
): Promise<QueryResult[]> {
  return new Promise<QueryResult[]>((resolve, reject) => {
    const done = (error: Error | null, result?: QueryResult | QueryResult[]) =>
      error ? reject(error) : resolve(Array.isArray(result) ? result : [result!]);
    (client.query as (query: unknown, callback: unknown) => void)(new PipelinedQuery(statements, described), done);
  });
}
