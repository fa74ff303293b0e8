// @ts-check
/**
 * Child process for the expiry scenario: the worker app (createWorkerApp from dist/, initialised
 * like `startWorker` in the e2e tests: consumers, the outbox relay and the schedules running) and a
 * tiny HTTP control server on an ephemeral port of 127.0.0.1, which it reports to the runner:
 *   POST /expire -> runs the real expiry work once, as the `workflow-expiry` job does
 *                   (WorkflowExpiryService.run() inside a job-like context: SYSTEM actor, a request
 *                   id), and answers { ms, result, batches: [{ tenantId, sessions, recipients, ms }],
 *                   statements: [{ statement, seconds, count }] } (the worker's own
 *                   db_query_duration_seconds over the run, by statement kind and first table).
 * The worker's own WORKFLOWS queue is paused locally first, so the repeatable `workflow-expiry` job
 * (every minute) cannot run at the same time and take part of the work. Each batch's duration is
 * read by wrapping the service's expireBatch (the method run() calls for every batch); nothing else
 * of the service changes. Exits on SIGTERM (the app's shutdown hooks) or when the runner goes.
 */
const http = require('node:http');
const path = require('node:path');
const { portOf, runBenchServer } = require('./child');
const dist = require('./dist');

const DIST = path.join(__dirname, '..', '..', 'dist');
/** @param {string} file */
const load = (file) => require(path.join(DIST, file));

async function main() {
  const { validateEnvironment, RequestContext, MetricsRegistry } = dist.platform();
  /** @type {typeof import('../../apps/worker/src/worker-app')} */
  const { createWorkerApp } = load('apps/worker/src/worker-app.js');
  /** @type {typeof import('../../libs/workflows/src')} */
  const { WorkflowExpiryService } = load('libs/workflows/src/index.js');
  /** @type {typeof import('../../libs/queues/src')} */
  const { WORKFLOWS_QUEUE } = load('libs/queues/src/index.js');
  const { getQueueToken } = require('@nestjs/bull');

  const env = validateEnvironment(process.env);
  const app = await createWorkerApp(env);
  await app.init();
  /** @type {import('bull').Queue} */
  const queue = app.get(getQueueToken(WORKFLOWS_QUEUE), { strict: false });
  await queue.pause(true); // this worker takes no workflows job; the run below is the only expiry

  const service = app.get(WorkflowExpiryService);
  const metrics = app.get(MetricsRegistry);
  /** Sum (s) and count of db_query_duration_seconds by statement kind and table, from the worker's own metrics. */
  const statementTimes = async () => {
    const metric = metrics.getSingleMetric('db_query_duration_seconds');
    /** @type {Record<string, { seconds: number, count: number }>} */
    const out = {};
    if (!metric) return out;
    for (const v of (await metric.get()).values) {
      const name = /** @type {{ metricName?: string }} */ (v).metricName ?? '';
      const key = `${v.labels.operation} ${v.labels.table}`;
      out[key] ??= { seconds: 0, count: 0 };
      if (name.endsWith('_sum')) out[key].seconds += v.value;
      else if (name.endsWith('_count')) out[key].count += v.value;
    }
    return out;
  };
  /** @type {{ tenantId: string | undefined, sessions: number, recipients: number, ms: number }[]} */
  let batches = [];
  const expireBatch = service.expireBatch.bind(service);
  service.expireBatch = async (tx, batchSize) => {
    const started = performance.now();
    const done = await expireBatch(tx, batchSize);
    batches.push({ tenantId: RequestContext.get('tenantId'), ...done, ms: performance.now() - started });
    return done;
  };

  let running = false;
  const control = http.createServer((request, response) => {
    if (request.method !== 'POST' || request.url !== '/expire' || running) {
      response.writeHead(running ? 409 : 404).end();
      return;
    }
    running = true;
    batches = [];
    /** @type {Record<string, { seconds: number, count: number }>} */
    let before = {};
    let started = 0;
    statementTimes()
      .then((times) => {
        before = times;
        started = performance.now();
        return RequestContext.run(
          { requestId: `bench-expiry-${Date.now()}`, actor: { type: 'SYSTEM', id: 'bench:workflow-expiry' } },
          () => service.run(),
        );
      })
      .then(async (result) => {
        const ms = performance.now() - started;
        const after = await statementTimes();
        const statements = Object.entries(after)
          .map(([key, v]) => ({
            statement: key,
            seconds: v.seconds - (before[key]?.seconds ?? 0),
            count: v.count - (before[key]?.count ?? 0),
          }))
          .filter((v) => v.count > 0)
          .sort((a, b) => b.seconds - a.seconds);
        running = false;
        response
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ ms, result, batches, statements }));
      })
      .catch((/** @type {unknown} */ error) => {
        running = false;
        response
          .writeHead(500, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) }));
      });
  });

  const stop = async () => {
    control.close();
    await app.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());

  await new Promise((resolve) => control.listen(0, '127.0.0.1', () => resolve(undefined)));
  return portOf(control);
}

runBenchServer('expiry-runner', main);
