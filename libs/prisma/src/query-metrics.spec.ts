import { describeStatement } from './query-metrics';

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
