import { Gauge, Histogram } from 'prom-client';
import type { Pool } from 'pg';
import type { MetricsRegistry } from '@itinera/platform';

const STATEMENT = /^\s*(SELECT|INSERT|UPDATE|DELETE|WITH|BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|SET|LISTEN|NOTIFY)\b/i;
const TABLE = /\b(?:FROM|INTO|UPDATE|JOIN)\s+(?:"?\w+"?\.)?"?(\w+)"?/i;

/** Bounded labels for a SQL statement: its kind and its first table (`select`, `outbox_messages`). */
export function describeStatement(sql: string): {
  operation: string;
  table: string;
} {
  const operation = STATEMENT.exec(sql)?.[1]?.toLowerCase() ?? 'other';
  const table = TABLE.exec(sql)?.[1] ?? '-';
  return { operation, table };
}

export function queryDurationHistogram(registry: MetricsRegistry): Histogram<'operation' | 'table'> {
  return registry.getOrCreate(
    'db_query_duration_seconds',
    (r) =>
      new Histogram({
        name: 'db_query_duration_seconds',
        help: 'Database statement duration by kind and first table',
        labelNames: ['operation', 'table'],
        buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
        registers: [r],
      }),
  );
}

/** Distinct statements whose labels are remembered; past it the memo starts again (inlined values). */
const STATEMENT_MEMO_SIZE = 2_000;

/**
 * Records a statement's duration under its labels. The labels (two regular expressions over the
 * SQL) and prom-client's child for them are worked out once per statement text and remembered:
 * hot paths send the same few texts thousands of times a second.
 */
export function statementDurationRecorder(
  histogram: Histogram<'operation' | 'table'>,
): (sql: string, durationMs: number) => void {
  const children = new Map<string, { observe(seconds: number): void }>();
  return (sql, durationMs) => {
    let child = children.get(sql);
    if (!child) {
      if (children.size >= STATEMENT_MEMO_SIZE) children.clear();
      child = histogram.labels(describeStatement(sql));
      children.set(sql, child);
    }
    child.observe(durationMs / 1000);
  };
}

export function registerPoolGauges(registry: MetricsRegistry, pool: Pool): void {
  registry.getOrCreate(
    'db_pool_connections',
    (r) =>
      new Gauge({
        name: 'db_pool_connections',
        help: 'Connections of the database pool by state (total, idle, waiting clients)',
        labelNames: ['state'],
        registers: [r],
        collect() {
          this.set({ state: 'total' }, pool.totalCount);
          this.set({ state: 'idle' }, pool.idleCount);
          this.set({ state: 'waiting' }, pool.waitingCount);
        },
      }),
  );
}
