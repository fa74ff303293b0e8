// @ts-check
/**
 * analysis-queue: the analysis queue's throughput and priority latency, against Bull's own
 * throughput measured in the same run, in the same worker process, at the same concurrency:
 *   (a) ceiling: raw Bull, addBulk in batches of OUTBOX_BATCH_SIZE + a no-op processor at
 *       ANALYSIS_CONCURRENCY (bench/servers/analysis-queue-worker.js, POST /bull-noop);
 *   (b) the whole path: POST /patient-repositories/:id/analyses (RECORD_SUMMARY, the trivial
 *       analyser) by many patients at once over HTTP -> outbox -> relay -> Bull -> worker (claim,
 *       consent-checked read of the entries, analyser, findings, run, audit), timed from the first
 *       POST until every analysis is COMPLETED; target >= 1,000 jobs/s (issue 5; DESIGN.md "Performance":
 *       the whole path with its database work per job answers to the 1,000 jobs/s figure);
 *   (b2) the same whole path with the analyses requested through POST /analyses/batch
 *       (BENCH_ANALYSIS_BATCH items a request, each patient over their own record);
 *   (c) the queue leg alone: outbox rows (inserted in one statement) -> relay -> Bull -> the
 *       analysis processor with its work replaced by a no-op (BENCH_ANALYSIS_HANDLER=noop); target
 *       >= 50% of (a) (DESIGN.md: the 50% ratio is meant for the queue leg);
 *   (d) the worker leg: FILL priority-10 analyses seeded as rows with their outbox messages, drained
 *       by the real job; while the queue is full, priority-1 analyses are requested through the API
 *       and their start latency (created_at to started_at) is measured.
 * Verified after the run: every analysis COMPLETED once, one finding each, one COMPLETED run each.
 */
const { randomBytes } = require('node:crypto');
const { startServer, sleep } = require('../lib/harness');
const { call, expectStatus } = require('../lib/http-client');
const { createTenants, withOwner } = require('../lib/workflow-seed');

/** Patients are spread over this many tenants (each tenant's audit chain takes its writes one at a time). */
const TENANTS = Number(process.env.BENCH_ANALYSIS_TENANTS || 8);
const APP = 'API app';
const WORKER = 'worker app';

/** @param {string} name @param {number} fallback */
const intFromEnv = (name, fallback) => {
  const value = Number(process.env[name] || fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name}: expected a positive integer`);
  return value;
};

/** The sample record every patient gets, through the entry routes. */
const ENTRIES = [
  ['diagnoses', { icd10Code: 'E11.9', description: 'Type 2 diabetes mellitus', status: 'ACTIVE' }],
  ['medications', { name: 'Metformin 500 mg', status: 'ACTIVE' }],
  ['allergies', { substance: 'penicillin', severity: 'SEVERE', status: 'ACTIVE' }],
  ['vital-signs', { type: 'HEART_RATE', value: 72, measuredAt: '2026-11-01T08:00:00Z' }],
  ['immunizations', { cvxCode: '140', vaccine: 'Influenza', date: '2026-10-01' }],
];

/** @param {number[]} values @param {number} q */
function quantile(values, q) {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/**
 * Patients through the app's own routes (sign-up, sign-in), with membership and an ACTIVE record
 * made as the owner (registration and the identity challenge are not what is measured), then their
 * entries through the entry routes.
 * @param {string} url @param {string} databaseUrl @param {number} count
 */
async function seedPatients(url, databaseUrl, count) {
  const tenants = await withOwner(databaseUrl, (client) => createTenants(client, 'analysis', TENANTS));
  /** @type {{ tenantId: string, userId: string, token: string, repositoryId: string }[]} */
  const patients = [];
  for (let i = 0; i < count; i++) {
    const tenantId = tenants[i % TENANTS];
    const email = `bench-patient-${i}-${randomBytes(4).toString('hex')}@example.com`;
    const password = randomBytes(18).toString('base64url');
    const registered = await call(url, '/auth/register', {
      method: 'POST',
      body: { email, password, displayName: `Patient ${i}` },
    });
    expectStatus(registered, 201, 'POST /auth/register');
    const userId = registered.json.id;
    const repositoryId = await withOwner(databaseUrl, async (client) => {
      await client.query(`INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, 'PATIENT')`, [
        tenantId,
        userId,
      ]);
      const { rows } = await client.query(
        `INSERT INTO patient_repositories (tenant_id, patient_user_id, status, personal_info, key_id, identity_hash, registered_by, verified_at)
         VALUES ($1, $2, 'ACTIVE', 'bench.placeholder', 'bench', $3, $2, now()) RETURNING id`,
        [tenantId, userId, randomBytes(32)],
      );
      return rows[0].id;
    });
    const login = await call(url, '/auth/login', { method: 'POST', body: { email, password, tenantId } });
    expectStatus(login, 200, 'POST /auth/login');
    const token = login.json.accessToken;
    for (const [segment, body] of ENTRIES) {
      const made = await call(url, `/patient-repositories/${repositoryId}/${segment}`, { method: 'POST', body, token });
      expectStatus(made, 201, `POST /patient-repositories/:id/${segment}`);
    }
    patients.push({ tenantId, userId, token, repositoryId });
  }
  return { tenants, patients };
}

/**
 * `total` POSTs of analyses, one loop per patient (its own keep-alive connection), as fast as they answer.
 * @param {string} url @param {{ token: string, repositoryId: string }[]} patients @param {number} total @param {number} priority
 */
async function postAnalyses(url, patients, total, priority) {
  let issued = 0;
  /** @type {number[]} */
  const latencies = [];
  let failures = 0;
  const started = performance.now();
  await Promise.all(
    patients.map(async (p) => {
      while (issued < total) {
        issued++;
        const t0 = performance.now();
        const response = await fetch(`${url}/patient-repositories/${p.repositoryId}/analyses`, {
          method: 'POST',
          headers: { authorization: `Bearer ${p.token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ kind: 'RECORD_SUMMARY', priority }),
        });
        await response.arrayBuffer();
        latencies.push(performance.now() - t0);
        if (response.status !== 201) failures++;
      }
    }),
  );
  return { ms: performance.now() - started, latencies, failures };
}

/**
 * `total` analyses requested through POST /analyses/batch, `size` items a request (RECORD_SUMMARY
 * over the patient's own record), one loop per patient, as fast as they answer.
 * @param {string} url @param {{ token: string, repositoryId: string }[]} patients @param {number} total
 * @param {number} size @param {number} priority
 */
async function postBatches(url, patients, total, size, priority) {
  let issued = 0;
  /** @type {number[]} */
  const latencies = [];
  let failures = 0;
  const started = performance.now();
  await Promise.all(
    patients.map(async (p) => {
      while (issued < total) {
        const n = Math.min(size, total - issued);
        issued += n;
        const items = Array.from({ length: n }, () => ({
          repositoryId: p.repositoryId,
          kind: 'RECORD_SUMMARY',
          priority,
        }));
        const t0 = performance.now();
        const response = await fetch(`${url}/analyses/batch`, {
          method: 'POST',
          headers: { authorization: `Bearer ${p.token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ items }),
        });
        await response.arrayBuffer();
        latencies.push(performance.now() - t0);
        if (response.status !== 201) failures += n;
      }
    }),
  );
  return { ms: performance.now() - started, latencies, failures };
}

/**
 * Polls until `count` analyses of `priority` are COMPLETED (or FAILED/CANCELLED, which the
 * verification then reports); returns when, in ms since `since`.
 * @param {string} databaseUrl @param {number} priority @param {number} count @param {number} since @param {number} timeoutMs
 */
async function waitFinished(databaseUrl, priority, count, since, timeoutMs = 600_000) {
  return withOwner(databaseUrl, async (client) => {
    for (;;) {
      const { rows } = await client.query(
        `SELECT count(*)::int AS n FROM patient_analyses WHERE priority = $1 AND status IN ('COMPLETED', 'FAILED', 'CANCELLED')`,
        [priority],
      );
      if (rows[0].n >= count) return performance.now() - since;
      if (performance.now() - since > timeoutMs)
        throw new Error(`only ${rows[0].n} of ${count} priority-${priority} analyses finished`);
      await sleep(50);
    }
  });
}

/** @param {string} databaseUrl @param {number} priority */
async function verify(databaseUrl, priority) {
  return withOwner(databaseUrl, async (client) => {
    const { rows } = await client.query(
      `SELECT count(*)::int AS analyses,
              (count(*) FILTER (WHERE status = 'COMPLETED' AND findings_count = 1 AND progress = 100))::int AS completed,
              (count(*) FILTER (WHERE attempts > 1))::int AS retried,
              (SELECT count(*)::int FROM analysis_findings f JOIN patient_analyses a ON a.id = f.analysis_id WHERE a.priority = $1) AS findings,
              (SELECT count(*)::int FROM analysis_runs r JOIN patient_analyses a ON a.id = r.analysis_id
                WHERE a.priority = $1 AND r.outcome = 'COMPLETED') AS completed_runs,
              (SELECT count(*)::int FROM analysis_runs r JOIN patient_analyses a ON a.id = r.analysis_id
                WHERE a.priority = $1 AND r.outcome <> 'COMPLETED') AS other_runs
         FROM patient_analyses WHERE priority = $1`,
      [priority],
    );
    return rows[0];
  });
}

/** @type {import('../lib/harness').Scenario} */
module.exports = {
  name: 'analysis-queue',
  summary:
    'analyses through API (one a POST, and 50 a POST /analyses/batch), outbox, Bull and worker vs raw Bull in the same run (targets: whole path >= 1,000 jobs/s, queue leg >= 50%), priority-1 start latency under a full queue',
  async run({ serverEnv, databaseUrl, log }) {
    const jobs = intFromEnv('BENCH_ANALYSIS_JOBS', 10_000);
    const fill = intFromEnv('BENCH_ANALYSIS_FILL', 20_000);
    const patientCount = intFromEnv('BENCH_ANALYSIS_PATIENTS', 64);
    const urgentCount = intFromEnv('BENCH_ANALYSIS_URGENT', 100);
    const batchSize = intFromEnv('BENCH_ANALYSIS_BATCH', 50);
    const env = {
      ...serverEnv,
      // Sign-ups are setup, not what is measured: the cheapest scrypt cost the schema allows.
      PASSWORD_SCRYPT_LOG_N: '14',
      AUTH_RATE_LIMIT_MAX: '100000000',
      // The worker batches the statements of the jobs it runs at once, per tenant: with 8 tenants, 50
      // jobs in flight make batches worth having (the ceiling runs at the same concurrency).
      ANALYSIS_CONCURRENCY: serverEnv.ANALYSIS_CONCURRENCY || '50',
      DATABASE_POOL_SIZE: serverEnv.DATABASE_POOL_SIZE || '20',
      ANALYSIS_BATCH_MAX_ITEMS: String(Math.max(batchSize, Number(serverEnv.ANALYSIS_BATCH_MAX_ITEMS || 100))),
    };
    const concurrency = Number(env.ANALYSIS_CONCURRENCY);
    const batch = Number(serverEnv.OUTBOX_BATCH_SIZE || 500);

    const api = await startServer(APP, 'app-server.js', env);
    let worker = await startServer(WORKER, 'analysis-queue-worker.js', env);
    /** @type {Record<string, any>} */
    const details = {
      jobs,
      fill,
      patientCount,
      urgentCount,
      batchSize,
      concurrency,
      outboxBatch: batch,
      tenants: TENANTS,
    };
    try {
      log(
        `seeding ${patientCount} patients in ${TENANTS} tenants (sign-up, sign-in, ${ENTRIES.length} entries each through the routes)`,
      );
      const { patients } = await seedPatients(api.url, databaseUrl, patientCount);

      // (a) the ceiling
      const noop = await call(worker.url, '/bull-noop', { method: 'POST', body: { n: fill, batch, concurrency } });
      expectStatus(noop, 200, 'POST /bull-noop');
      details.bullNoop = noop.json;
      const bullRate = (noop.json.n / noop.json.ms) * 1000;
      log(
        `(a) raw Bull: ${noop.json.n} no-op jobs in ${(noop.json.ms / 1000).toFixed(2)} s = ${bullRate.toFixed(0)} jobs/s`,
      );

      // warm-up of the whole path (priority 6), then (b)
      const warm = await postAnalyses(api.url, patients, Math.min(1_000, jobs), 6);
      await waitFinished(databaseUrl, 6, Math.min(1_000, jobs), performance.now());
      log(`warm-up: ${Math.min(1_000, jobs)} analyses (${warm.failures} refused)`);
      const started = performance.now();
      const [apiCpu0, workerCpu0] = await Promise.all([api.cpuMicros(), worker.cpuMicros()]);
      const posted = await postAnalyses(api.url, patients, jobs, 5);
      const wholeMs = await waitFinished(databaseUrl, 5, jobs, started);
      const [apiCpu1, workerCpu1] = await Promise.all([api.cpuMicros(), worker.cpuMicros()]);
      const wholeRate = (jobs / wholeMs) * 1000;
      const postRate = (jobs / posted.ms) * 1000;
      details.wholePath = {
        ms: wholeMs,
        postMs: posted.ms,
        postFailures: posted.failures,
        postP50: quantile(posted.latencies, 0.5),
        postP99: quantile(posted.latencies, 0.99),
        apiCpuMicrosPerJob: (apiCpu1 - apiCpu0) / jobs,
        workerCpuMicrosPerJob: (workerCpu1 - workerCpu0) / jobs,
        verification: await verify(databaseUrl, 5),
      };
      log(
        `(b) whole path: ${jobs} analyses COMPLETED in ${(wholeMs / 1000).toFixed(2)} s = ${wholeRate.toFixed(0)} jobs/s ` +
          `(POSTs alone ${postRate.toFixed(0)}/s, ${posted.failures} refused)`,
      );

      // (b2) the whole path through POST /analyses/batch (priority 4)
      const batchStarted = performance.now();
      const [apiCpu2, workerCpu2] = await Promise.all([api.cpuMicros(), worker.cpuMicros()]);
      const batched = await postBatches(api.url, patients, jobs, batchSize, 4);
      const batchWholeMs = await waitFinished(databaseUrl, 4, jobs, batchStarted);
      const [apiCpu3, workerCpu3] = await Promise.all([api.cpuMicros(), worker.cpuMicros()]);
      const batchRate = (jobs / batchWholeMs) * 1000;
      details.batchPath = {
        ms: batchWholeMs,
        postMs: batched.ms,
        postFailures: batched.failures,
        requests: batched.latencies.length,
        postP50: quantile(batched.latencies, 0.5),
        postP99: quantile(batched.latencies, 0.99),
        apiCpuMicrosPerJob: (apiCpu3 - apiCpu2) / jobs,
        workerCpuMicrosPerJob: (workerCpu3 - workerCpu2) / jobs,
        verification: await verify(databaseUrl, 4),
      };
      log(
        `(b2) whole path through POST /analyses/batch (${batchSize} a request): ${jobs} analyses COMPLETED in ` +
          `${(batchWholeMs / 1000).toFixed(2)} s = ${batchRate.toFixed(0)} jobs/s ` +
          `(requests alone ${((jobs / batched.ms) * 1000).toFixed(0)} analyses/s, ${batched.failures} refused)`,
      );

      // (d) the worker leg and priority-1 latency under a full queue
      const seededAt = performance.now();
      await withOwner(databaseUrl, (client) =>
        client.query(
          `WITH r AS (SELECT id, tenant_id, patient_user_id, row_number() OVER (ORDER BY id) - 1 AS k, count(*) OVER () AS n
                        FROM patient_repositories),
                a AS (INSERT INTO patient_analyses (tenant_id, repository_id, kind, priority, requested_by, requested_by_type)
                      SELECT r.tenant_id, r.id, 'RECORD_SUMMARY', 10, r.patient_user_id, 'PATIENT'
                        FROM generate_series(0, $1 - 1) g JOIN r ON r.k = g % r.n
                      RETURNING id, tenant_id)
           INSERT INTO outbox_messages (id, queue, job_name, payload, options, tenant_id)
           SELECT id, '{analysis}', 'analysis-run', jsonb_build_object('tenantId', tenant_id, 'analysisId', id),
                  jsonb_build_object('priority', 10, 'attempts', 3, 'backoff', jsonb_build_object('type', 'exponential', 'delay', 2000), 'timeout', 120000),
                  tenant_id
             FROM a`,
          [fill],
        ),
      );
      // Every fill job in Bull before the urgent ones are asked for: the queue is full, not the outbox.
      await withOwner(databaseUrl, async (client) => {
        for (;;) {
          const { rows } = await client.query(
            'SELECT count(*)::int AS n FROM outbox_messages WHERE delivered_at IS NULL',
          );
          if (rows[0].n === 0) return;
          await sleep(50);
        }
      });
      const queued = await call(worker.url, '/counts');
      details.queueWhenUrgentStarted = queued.json;
      log(
        `(d) ${fill} priority-10 analyses relayed; Bull holds ${queued.json.waiting} waiting, ${queued.json.active} active`,
      );
      for (let i = 0; i < urgentCount; i++) {
        const p = patients[i % patients.length];
        const made = await call(api.url, `/patient-repositories/${p.repositoryId}/analyses`, {
          method: 'POST',
          body: { kind: 'RECORD_SUMMARY', priority: 1 },
          token: p.token,
        });
        expectStatus(made, 201, 'POST analyses (priority 1)');
        await sleep(20);
      }
      const urgentDoneMs = await waitFinished(databaseUrl, 1, urgentCount, seededAt);
      const fillMs = await waitFinished(databaseUrl, 10, fill, seededAt);
      const latency = await withOwner(databaseUrl, async (client) => {
        const { rows } = await client.query(
          `SELECT extract(epoch FROM started_at - created_at) * 1000 AS ms FROM patient_analyses WHERE priority = 1`,
        );
        return rows.map((r) => Number(r.ms));
      });
      const workerRate = (fill / fillMs) * 1000;
      details.workerLeg = { fillMs, urgentDoneMs, verification: await verify(databaseUrl, 10) };
      details.urgent = {
        p50: quantile(latency, 0.5),
        p95: quantile(latency, 0.95),
        p99: quantile(latency, 0.99),
        max: Math.max(...latency),
        verification: await verify(databaseUrl, 1),
      };
      log(
        `(d) worker leg ${workerRate.toFixed(0)} jobs/s; priority-1 start latency p50 ${details.urgent.p50.toFixed(0)} ms, ` +
          `p95 ${details.urgent.p95.toFixed(0)} ms, max ${details.urgent.max.toFixed(0)} ms`,
      );

      // (c) the queue leg alone
      await worker.stop();
      worker = await startServer(WORKER, 'analysis-queue-worker.js', { ...env, BENCH_ANALYSIS_HANDLER: 'noop' });
      const before = (await call(worker.url, '/counts')).json.completed;
      const legStarted = performance.now();
      await withOwner(databaseUrl, (client) =>
        client.query(
          `INSERT INTO outbox_messages (queue, job_name, payload, options)
           SELECT '{analysis}', 'analysis-run', jsonb_build_object('tenantId', gen_random_uuid(), 'analysisId', gen_random_uuid()),
                  '{"priority": 5}'::jsonb
             FROM generate_series(1, $1)`,
          [fill],
        ),
      );
      for (;;) {
        const counts = (await call(worker.url, '/counts')).json;
        if (counts.completed - before >= fill) break;
        if (performance.now() - legStarted > 300_000) throw new Error('the queue leg did not finish in 5 minutes');
        await sleep(20);
      }
      const legMs = performance.now() - legStarted;
      const legRate = (fill / legMs) * 1000;
      details.queueLeg = { ms: legMs, n: fill };
      log(
        `(c) queue leg: ${fill} outbox messages to completed no-op jobs in ${(legMs / 1000).toFixed(2)} s = ${legRate.toFixed(0)} jobs/s`,
      );

      const verified =
        details.wholePath.verification.completed === jobs &&
        details.wholePath.verification.findings === jobs &&
        details.wholePath.verification.completed_runs === jobs &&
        details.workerLeg.verification.completed === fill &&
        details.urgent.verification.completed === urgentCount &&
        details.batchPath.verification.completed === jobs &&
        details.batchPath.verification.findings === jobs &&
        details.batchPath.verification.completed_runs === jobs &&
        posted.failures === 0 &&
        batched.failures === 0;
      // DESIGN.md ("Performance"): the 50% ratio is meant for the queue leg; the whole path, with its
      // database work per job, answers to the 1,000 jobs/s figure.
      const wholePass = verified && wholeRate >= 1_000;
      const batchPass = verified && batchRate >= 1_000;
      const legPass = legRate >= 0.5 * bullRate;
      /** @type {(variant: string, rate: number, extra?: Partial<import('../lib/harness').ResultRow>) => import('../lib/harness').ResultRow} */
      const row = (variant, rate, extra = {}) => ({
        variant,
        requestsPerSecond: rate,
        p50: NaN,
        p99: NaN,
        cpuMicrosPerRequest: NaN,
        ratio: rate / bullRate,
        ceiling: false,
        target: null,
        pass: null,
        ...extra,
      });
      return {
        rows: [
          row('(a) raw Bull: addBulk + no-op processor, jobs/s', bullRate, { ratio: 1, ceiling: true }),
          row('(b) whole path: POST -> outbox -> Bull -> RECORD_SUMMARY -> findings, jobs/s', wholeRate, {
            p50: details.wholePath.postP50,
            p99: details.wholePath.postP99,
            cpuMicrosPerRequest: details.wholePath.apiCpuMicrosPerJob + details.wholePath.workerCpuMicrosPerJob,
            target: '>= 1,000/s',
            pass: wholePass,
          }),
          row(`(b2) whole path through POST /analyses/batch (${batchSize} a request), jobs/s`, batchRate, {
            p50: details.batchPath.postP50,
            p99: details.batchPath.postP99,
            cpuMicrosPerRequest: details.batchPath.apiCpuMicrosPerJob + details.batchPath.workerCpuMicrosPerJob,
            target: '>= 1,000/s',
            pass: batchPass,
          }),
          row('(c) queue leg: outbox -> relay -> Bull -> no-op handler, jobs/s', legRate, {
            target: '>= 50%',
            pass: legPass,
          }),
          row('(d) worker leg: seeded rows -> RECORD_SUMMARY -> findings, jobs/s', workerRate),
          row('(d) priority-1 start latency under a full queue (p50, p99 ms)', NaN, {
            p50: details.urgent.p50,
            p99: details.urgent.p99,
            ratio: NaN,
          }),
        ],
        rounds: [],
        notes: [
          `(a) Bull's ceiling: ${fill.toLocaleString('en-US')} jobs added with addBulk in batches of ${batch} (OUTBOX_BATCH_SIZE) ` +
            `while a no-op processor consumes at concurrency ${concurrency} (ANALYSIS_CONCURRENCY), in the worker process: ${bullRate.toFixed(0)} jobs/s.`,
          `(b) Whole path: ${jobs.toLocaleString('en-US')} RECORD_SUMMARY analyses by ${patientCount} patients in ${TENANTS} tenants ` +
            `(one keep-alive connection each), ${(wholeMs / 1000).toFixed(2)} s from the first POST to the last COMPLETED: ` +
            `${wholeRate.toFixed(0)} jobs/s, ${((wholeRate / bullRate) * 100).toFixed(1)}% of (a) ` +
            `(target >= 1,000 jobs/s: ${wholePass ? 'met' : 'MISSED'}). The POSTs alone ran at ${postRate.toFixed(0)}/s ` +
            `(p50 ${details.wholePath.postP50.toFixed(1)} ms, p99 ${details.wholePath.postP99.toFixed(1)} ms per POST); CPU per job: ` +
            `API ${details.wholePath.apiCpuMicrosPerJob.toFixed(0)} µs, worker ${details.wholePath.workerCpuMicrosPerJob.toFixed(0)} µs (PostgreSQL's and Redis's not included).`,
          `(b2) Whole path through POST /analyses/batch: the same ${jobs.toLocaleString('en-US')} RECORD_SUMMARY analyses requested ` +
            `${batchSize} a request (${details.batchPath.requests} requests, each patient over their own record), ` +
            `${(batchWholeMs / 1000).toFixed(2)} s from the first POST to the last COMPLETED: ${batchRate.toFixed(0)} jobs/s, ` +
            `${((batchRate / bullRate) * 100).toFixed(1)}% of (a) (target >= 1,000 jobs/s: ${batchPass ? 'met' : 'MISSED'}). ` +
            `The requests alone: ${((jobs / batched.ms) * 1000).toFixed(0)} analyses/s (p50 ${details.batchPath.postP50.toFixed(1)} ms, ` +
            `p99 ${details.batchPath.postP99.toFixed(1)} ms per request); CPU per job: API ${details.batchPath.apiCpuMicrosPerJob.toFixed(0)} µs, ` +
            `worker ${details.batchPath.workerCpuMicrosPerJob.toFixed(0)} µs.`,
          `(c) Queue leg: ${fill.toLocaleString('en-US')} outbox rows inserted in one statement, relayed and run by the analysis processor with its work ` +
            `replaced by a no-op: ${legRate.toFixed(0)} jobs/s, ${((legRate / bullRate) * 100).toFixed(1)}% of (a) (target >= 50%: ${legPass ? 'met' : 'MISSED'}).`,
          `(d) Worker leg: ${fill.toLocaleString('en-US')} priority-10 analyses seeded as rows with their outbox messages, drained by the real job ` +
            `(claim, consent-checked read, analyser, findings + run + audit in one statement; each phase batched per tenant) at ${workerRate.toFixed(0)} jobs/s. ` +
            `${urgentCount} priority-1 analyses requested through the API (one every ~20 ms) while ${queued.json.waiting} jobs waited: ` +
            `start latency (created_at to started_at) p50 ${details.urgent.p50.toFixed(0)} ms, p95 ${details.urgent.p95.toFixed(0)} ms, ` +
            `p99 ${details.urgent.p99.toFixed(0)} ms, max ${details.urgent.max.toFixed(0)} ms; the whole fill took ${(fillMs / 1000).toFixed(1)} s.`,
          `Verification: ${verified ? 'every analysis COMPLETED once with one finding and one COMPLETED run; no POST refused' : `FAILED ${JSON.stringify({ whole: details.wholePath.verification, batch: details.batchPath.verification, postBatchFailures: batched.failures, fill: details.workerLeg.verification, urgent: details.urgent.verification, postFailures: posted.failures })}`}.`,
          `Servers: the API app and the worker app from dist/, one process each (DATABASE_POOL_SIZE=${env.DATABASE_POOL_SIZE}); the load generator in the runner.`,
        ],
        details,
      };
    } finally {
      await worker.stop();
      await api.stop();
    }
  },
};
