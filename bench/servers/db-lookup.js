// @ts-check
/**
 * The raw-pg side of the db-read scenario: the exact statement Prisma sends for
 * `outboxMessage.findUnique({ where: { id } })`, captured by the runner from Prisma's query log and
 * handed to the servers in BENCH_DB_SQL, with its parameters in BENCH_DB_PARAMS (a JSON array in
 * which "$id" stands for the looked-up id; Prisma also binds LIMIT and OFFSET).
 */
const ID_MARKER = '$id';

/** @returns {{ sql: string, paramsFor: (id: string) => unknown[] }} */
function lookupFromEnv() {
  const sql = process.env.BENCH_DB_SQL;
  const template = JSON.parse(process.env.BENCH_DB_PARAMS ?? 'null');
  if (!sql || !Array.isArray(template) || !template.includes(ID_MARKER)) {
    throw new Error('BENCH_DB_SQL and BENCH_DB_PARAMS (with "$id") must be set for the db routes');
  }
  return { sql, paramsFor: (id) => template.map((p) => (p === ID_MARKER ? id : p)) };
}

module.exports = { ID_MARKER, lookupFromEnv };
