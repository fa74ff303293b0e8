// @ts-check
/**
 * expiry: 100,000 overdue ACTIVE sessions with 400,000 recipients (4 tenants x 25,000 sessions; per
 * session the first recipient COMPLETED, the second ACCESSED, two PENDING, each unfinished one with
 * a link ciphertext), plus 5,000 ACTIVE sessions not yet due that must stay as they are; then the
 * real expiry work of the worker (WorkflowExpiryService.run(), what the repeatable `workflow-expiry`
 * job runs, in a worker app of its own: bench/servers/expiry-runner.js) timed from the call to its
 * return, with every batch's size and duration.
 * Target (DESIGN.md "Performance", issue 4): under 10 s, in bounded batches
 * (WORKFLOW_EXPIRY_BATCH_SIZE). Verified after the run: every overdue session EXPIRED with
 * finished_at, every unfinished recipient EXPIRED and its ciphertext erased, COMPLETED recipients
 * untouched, one `workflow.expired` audit entry per session, each tenant's audit chain intact,
 * progress counters unchanged and equal to the rows, the sessions not yet due untouched. A second
 * run finds nothing to do.
 * There is no ceiling: the rows show the run's rate (sessions per second) and its time.
 */
const { startServer } = require('../lib/harness');
const { createTenants, seedSessions, vacuumAnalyze, withOwner } = require('../lib/workflow-seed');

const TENANTS = 4;
const SESSIONS = 100_000;
const PER_SESSION = 4;
const NOT_DUE = 5_000;
const LABEL = 'bench-expiry';
const CONTROL_LABEL = 'bench-expiry-control';
const TARGET_MS = 10_000;

/**
 * @typedef {{ ms: number, result: { tenants: number, sessions: number, recipients: number },
 *   batches: { tenantId?: string, sessions: number, recipients: number, ms: number }[],
 *   statements: { statement: string, seconds: number, count: number }[] }} ExpiryRun
 */

/** @param {string} url @returns {Promise<ExpiryRun>} */
async function expire(url) {
  const response = await fetch(`${url}/expire`, { method: 'POST' });
  /** @type {any} */
  const body = await response.json();
  if (response.status !== 200) throw new Error(`expiry run failed: ${body.error ?? response.status}`);
  return body;
}

/**
 * The database's state, as the owner.
 * @param {string} databaseUrl @param {string[]} tenants
 */
async function state(databaseUrl, tenants) {
  return withOwner(databaseUrl, async (client) => {
    const label = (/** @type {string} */ l) =>
      `s.document_url LIKE 'https://docs.example.com/bench/%' AND s.id = md5('${l}' || ':session:' || substring(s.document_url from '/bench/(\\d+)\\.pdf$'))::uuid`;
    const { rows } = await client.query(
      `SELECT
         count(*) FILTER (WHERE ${label(LABEL)})::int AS sessions,
         count(*) FILTER (WHERE ${label(LABEL)} AND s.status = 'EXPIRED' AND s.finished_at IS NOT NULL)::int AS expired,
         count(*) FILTER (WHERE ${label(LABEL)} AND s.status = 'ACTIVE')::int AS still_active,
         count(*) FILTER (WHERE ${label(LABEL)} AND (s.total_recipients, s.completed_recipients, s.current_recipient_order) <> (4, 1, 1))::int AS counters_changed,
         count(*) FILTER (WHERE ${label(CONTROL_LABEL)})::int AS control,
         count(*) FILTER (WHERE ${label(CONTROL_LABEL)} AND s.status = 'ACTIVE' AND s.finished_at IS NULL)::int AS control_active
       FROM workflow_sessions s`,
    );
    const recipients = await client.query(
      `SELECT
         count(*) FILTER (WHERE s.status = 'EXPIRED')::int AS of_expired,
         count(*) FILTER (WHERE s.status = 'EXPIRED' AND r.status IN ('PENDING', 'ACCESSED', 'IN_PROGRESS'))::int AS unfinished,
         count(*) FILTER (WHERE s.status = 'EXPIRED' AND r.status = 'EXPIRED')::int AS expired,
         count(*) FILTER (WHERE s.status = 'EXPIRED' AND r.status = 'COMPLETED' AND r.completed_at IS NOT NULL)::int AS completed,
         count(*) FILTER (WHERE s.status = 'EXPIRED' AND r.token_ciphertext IS NOT NULL)::int AS ciphertexts,
         count(*) FILTER (WHERE s.status = 'ACTIVE' AND r.status = 'ACCESSED')::int AS control_accessed
       FROM recipients r JOIN workflow_sessions s ON s.id = r.session_id`,
    );
    // Counters against the rows, for every session.
    const counters = await client.query(
      `SELECT count(*)::int AS wrong FROM workflow_sessions s
         JOIN (SELECT session_id, count(*)::int AS total,
                      (count(*) FILTER (WHERE status = 'COMPLETED'))::int AS completed,
                      coalesce(min(order_index) FILTER (WHERE status <> 'COMPLETED'), count(*))::int AS current_order
                 FROM recipients GROUP BY session_id) p ON p.session_id = s.id
        WHERE (s.total_recipients, s.completed_recipients, s.current_recipient_order) <> (p.total, p.completed, p.current_order)`,
    );
    const audit = await client.query(
      `SELECT count(*)::int AS entries, count(DISTINCT resource_id)::int AS sessions,
              count(*) FILTER (WHERE actor_type <> 'SYSTEM' OR resource_type <> 'workflow')::int AS odd
         FROM audit_log WHERE action = 'workflow.expired'`,
    );
    /** @type {string[]} */
    const brokenChains = [];
    for (const tenantId of tenants) {
      const { rows: problems } = await client.query('SELECT * FROM audit_log_verify($1)', [tenantId]);
      if (problems.length) brokenChains.push(`${tenantId}: ${problems[0].problem}`);
    }
    return {
      ...rows[0],
      recipients: recipients.rows[0],
      countersNotMatchingRows: counters.rows[0].wrong,
      audit: audit.rows[0],
      brokenChains,
    };
  });
}

/** @param {Awaited<ReturnType<typeof state>>} s @returns {string[]} */
function problemsAfter(s) {
  /** @type {string[]} */
  const problems = [];
  const expect = (/** @type {string} */ what, /** @type {unknown} */ actual, /** @type {unknown} */ wanted) => {
    if (actual !== wanted) problems.push(`${what}: ${actual}, expected ${wanted}`);
  };
  expect('overdue sessions EXPIRED with finished_at', s.expired, SESSIONS);
  expect('overdue sessions still ACTIVE', s.still_active, 0);
  expect('sessions whose counters changed', s.counters_changed, 0);
  expect('sessions whose counters differ from their recipients', s.countersNotMatchingRows, 0);
  expect('sessions not yet due still ACTIVE', s.control_active, NOT_DUE);
  expect('their recipients still ACCESSED', s.recipients.control_accessed, NOT_DUE * PER_SESSION);
  expect('unfinished recipients of expired sessions', s.recipients.unfinished, 0);
  expect('EXPIRED recipients', s.recipients.expired, SESSIONS * (PER_SESSION - 1));
  expect('COMPLETED recipients kept', s.recipients.completed, SESSIONS);
  expect('link ciphertexts left on expired sessions', s.recipients.ciphertexts, 0);
  expect('workflow.expired audit entries', s.audit.entries, SESSIONS);
  expect('sessions with a workflow.expired entry', s.audit.sessions, SESSIONS);
  expect('entries not by SYSTEM on resource workflow', s.audit.odd, 0);
  expect('broken audit chains', s.brokenChains.join('; '), '');
  return problems;
}

/** @type {import('../lib/harness').Scenario} */
module.exports = {
  name: 'expiry',
  summary: 'the workflow-expiry work over 100,000 overdue sessions with 400,000 recipients (target: < 10 s)',
  async run({ serverEnv, databaseUrl, log }) {
    log(
      `seeding ${SESSIONS.toLocaleString('en-US')} overdue sessions x ${PER_SESSION} recipients in ${TENANTS} tenants, ` +
        `${NOT_DUE.toLocaleString('en-US')} sessions not yet due`,
    );
    const started = Date.now();
    const tenants = await withOwner(databaseUrl, async (client) => {
      const ids = await createTenants(client, 'expiry', TENANTS);
      const each = SESSIONS / TENANTS;
      for (let t = 0; t < TENANTS; t++) {
        await seedSessions(client, {
          tenantId: ids[t],
          label: LABEL,
          first: t * each + 1,
          last: (t + 1) * each,
          recipientsPerSession: PER_SESSION,
          creatorId: '00000000-0000-4000-8000-000000000003',
          shape: 'expiry',
        });
      }
      await seedSessions(client, {
        tenantId: ids[0],
        label: CONTROL_LABEL,
        first: 1,
        last: NOT_DUE,
        recipientsPerSession: PER_SESSION,
        creatorId: '00000000-0000-4000-8000-000000000003',
        shape: 'link',
      });
      await vacuumAnalyze(client);
      return ids;
    });
    const seedSeconds = (Date.now() - started) / 1000;
    log(`seeded in ${seedSeconds.toFixed(1)} s`);
    const before = await state(databaseUrl, tenants);
    if (before.sessions !== SESSIONS || before.still_active !== SESSIONS || before.counters_changed !== 0) {
      throw new Error(`seed: unexpected state ${JSON.stringify(before)}`);
    }

    const runner = await startServer('worker (expiry)', 'expiry-runner.js', serverEnv, 120_000);
    /** @type {ExpiryRun} */
    let first;
    /** @type {ExpiryRun} */
    let second;
    let cpuMicros;
    try {
      const cpuBefore = await runner.cpuMicros();
      first = await expire(runner.url);
      cpuMicros = (await runner.cpuMicros()) - cpuBefore;
      log(
        `expiry: ${first.result.sessions.toLocaleString('en-US')} sessions, ${first.result.recipients.toLocaleString('en-US')} recipients, ` +
          `${first.result.tenants} tenants in ${(first.ms / 1000).toFixed(2)} s, ${first.batches.length} batches`,
      );
      second = await expire(runner.url);
      log(`second run: ${second.result.sessions} sessions in ${(second.ms / 1000).toFixed(2)} s`);
    } finally {
      await runner.stop();
    }
    const after = await state(databaseUrl, tenants);
    const problems = problemsAfter(after);
    if (second.result.sessions !== 0) problems.push(`the second run expired ${second.result.sessions} sessions`);
    if (first.result.sessions !== SESSIONS) problems.push(`the run reported ${first.result.sessions} sessions`);
    if (problems.length) log(`verification FAILED:\n  ${problems.join('\n  ')}`);
    else log('verified: every check after the run holds');

    const batchSize = Number(serverEnv.WORKFLOW_EXPIRY_BATCH_SIZE || 5000);
    const full = first.batches.filter((b) => b.sessions > 0);
    const batchMs = full.map((b) => b.ms).sort((a, b) => a - b);
    const pass = first.ms < TARGET_MS && problems.length === 0;
    /** @type {import('../lib/harness').ResultRow} */
    const row = {
      variant: 'WorkflowExpiryService.run(), sessions/s',
      requestsPerSecond: first.result.sessions / (first.ms / 1000),
      p50: NaN,
      p99: NaN,
      cpuMicrosPerRequest: cpuMicros / Math.max(1, first.result.sessions),
      ratio: NaN,
      ceiling: false,
      target: `< ${TARGET_MS / 1000} s, verified`,
      pass,
    };
    return {
      rows: [row],
      rounds: [],
      notes: [
        `Expiry of ${first.result.sessions.toLocaleString('en-US')} sessions and ${first.result.recipients.toLocaleString('en-US')} recipient rows ` +
          `in ${first.result.tenants} tenants: ${(first.ms / 1000).toFixed(2)} s (target < ${TARGET_MS / 1000} s: ${first.ms < TARGET_MS ? 'met' : 'MISSED'}).`,
        `Batches: ${first.batches.length} transactions (${full.length} with work, WORKFLOW_EXPIRY_BATCH_SIZE=${batchSize}; each tenant ends with one that finds nothing), ` +
          `per batch with work ${batchMs.length ? `${batchMs[0].toFixed(0)}-${batchMs[batchMs.length - 1].toFixed(0)} ms (median ${batchMs[Math.floor(batchMs.length / 2)].toFixed(0)} ms)` : '-'}.`,
        `Verification after the run: ${problems.length ? `FAILED: ${problems.join('; ')}` : 'every overdue session EXPIRED with finished_at; every unfinished recipient EXPIRED and its link ciphertext erased; the COMPLETED ones kept; one workflow.expired audit entry per session (SYSTEM, resource workflow); every audit chain verifies; counters unchanged and equal to the rows; the 5,000 sessions not yet due untouched'}. ` +
          `A second run expired ${second.result.sessions} sessions in ${(second.ms / 1000).toFixed(2)} s.`,
        `Time by statement (the worker's db_query_duration_seconds, kind and first table; summed over its connections, so batches run at the same time add up): ${first.statements
          .slice(0, 6)
          .map((v) => `${v.statement} ${v.seconds.toFixed(2)} s (${v.count})`)
          .join(', ')}.`,
        `CPU of the worker process: ${(cpuMicros / 1000).toFixed(0)} ms for the run (the CPU µs/req column is per session); PostgreSQL's work is not in it.`,
        `The run: the worker app (dist, initialised as in production, its own workflows queue paused so the repeatable job cannot run alongside), ` +
          'WorkflowExpiryService.run() called directly in a SYSTEM job context; the tenants carry no webhook subscriptions (publishMany finds none). No ceiling: the column "vs ceiling" has none to compare with.',
        `Seed: ${TENANTS} tenants x ${(SESSIONS / TENANTS).toLocaleString('en-US')} sessions expired 1-600 min ago (first recipient COMPLETED, second ACCESSED, two PENDING), set-based as the owner in ${seedSeconds.toFixed(0)} s.`,
      ],
      details: {
        targetMs: TARGET_MS,
        batchSize,
        first,
        second,
        before,
        after,
        problems,
        workerCpuMicros: cpuMicros,
        seedSeconds,
      },
    };
  },
};
