import { Histogram, Registry } from 'prom-client';
import { describeStatement, statementDurationRecorder } from './query-metrics';

describe('describeStatement', () => {
  it.each([
    ['SELECT "public"."outbox_messages"."id" FROM "public"."outbox_messages" WHERE 1', 'select', 'outbox_messages'],
    ['INSERT INTO "public"."outbox_messages" ("id") VALUES ($1)', 'insert', 'outbox_messages'],
    ['UPDATE outbox_messages SET x = 1', 'update', 'outbox_messages'],
    ['  WITH due AS (SELECT id FROM outbox_messages) UPDATE outbox_messages m', 'with', 'outbox_messages'],
    ['BEGIN', 'begin', '-'],
    ['VACUUM', 'other', '-'],
  ])('labels %s', (sql, operation, table) => expect(describeStatement(sql)).toEqual({ operation, table }));
});

describe('statementDurationRecorder', () => {
  it('records each statement under its labels, however often it is sent', async () => {
    const registry = new Registry();
    const histogram = new Histogram({
      name: 'd',
      help: 'd',
      labelNames: ['operation', 'table'],
      registers: [registry],
    });
    const record = statementDurationRecorder(histogram);
    for (let i = 0; i < 3; i++) record('SELECT * FROM recipients WHERE id = $1', 2);
    record('UPDATE outbox_messages SET x = 1', 4);
    const { values } = (await histogram.get()) as {
      values: { labels: Record<string, string>; value: number; metricName?: string }[];
    };
    const counts = values
      .filter((v) => v.metricName === 'd_count')
      .map((v) => [v.labels.operation, v.labels.table, v.value]);
    expect(counts).toEqual([
      ['select', 'recipients', 3],
      ['update', 'outbox_messages', 1],
    ]);
  });

  it('keeps labelling correctly past the memo size (statements with inlined values)', async () => {
    const histogram = new Histogram({ name: 'e', help: 'e', labelNames: ['operation', 'table'], registers: [] });
    const record = statementDurationRecorder(histogram);
    for (let i = 0; i < 5_000; i++) record(`DELETE FROM sessions WHERE id = '${i}'`, 1);
    const { values } = (await histogram.get()) as {
      values: { labels: Record<string, string>; value: number; metricName?: string }[];
    };
    expect(values.find((v) => v.metricName === 'e_count')).toMatchObject({
      labels: { operation: 'delete', table: 'sessions' },
      value: 5_000,
    });
  });
});
