// @ts-check
/**
 * Child process for the analysis-queue scenario: the worker app from dist/ (consumers, the outbox
 * relay and the schedules running, as `startWorker` in the e2e tests), plus a small HTTP control
 * server on an ephemeral port of 127.0.0.1, which it reports to the runner:
 *   POST /bull-noop {n, batch, concurrency} -> Bull's raw throughput in this process: a queue of its
 *        own ({bench-noop}, same Redis and prefix, the analysis queue's default job options), a no-op
 *        processor at `concurrency`, `n` jobs added with addBulk in `batch`es while it consumes;
 *        answers { ms, n } from the first add to the n-th completion;
 *   GET /counts -> the analysis queue's job counts.
 * With BENCH_ANALYSIS_HANDLER=noop the analysis job's work (AnalysisRunner.run) returns at once,
 * so the relay, Bull and the processor are measured alone ("the queue leg"); otherwise the real job
 * runs. Exits on SIGTERM (the app's shutdown hooks) or when the runner goes.
 */
const http = require('node:http');
const path = require('node:path');
const { portOf, runBenchServer } = require('./child');
const dist = require('./dist');

const DIST = path.join(__dirname, '..', '..', 'dist');
/** @param {string} file */
const load = (file) => require(path.join(DIST, file));

/** @param {http.IncomingMessage} request @returns {Promise<any>} */
async function bodyOf(request) {
  let text = '';
  for await (const chunk of request) text += chunk;
  return text ? JSON.parse(text) : {};
}

async function main() {
  const { validateEnvironment } = dist.platform();
  /** @type {typeof import('../../apps/worker/src/worker-app')} */
  const { createWorkerApp } = load('apps/worker/src/worker-app.js');
  /** @type {typeof import('../../libs/queues/src')} */
  const { ANALYSIS_QUEUE, jobOptionsFor } = load('libs/queues/src/index.js');
  /** @type {typeof import('../../libs/patient-repository/src')} */
  const { AnalysisRunner } = load('libs/patient-repository/src/index.js');
  const { getQueueToken } = require('@nestjs/bull');
  const Bull = require('bull');

  if (process.env.BENCH_ANALYSIS_HANDLER === 'noop') {
    AnalysisRunner.prototype.run = async () => /** @type {const} */ ('SKIPPED');
  }
  const env = validateEnvironment(process.env);
  const app = await createWorkerApp(env);
  await app.init();
  /** @type {import('bull').Queue} */
  const analysisQueue = app.get(getQueueToken(ANALYSIS_QUEUE), { strict: false });

  /** @param {{ n: number, batch: number, concurrency: number }} spec */
  async function bullNoop({ n, batch, concurrency }) {
    const queue = new Bull('{bench-noop}', env.REDIS_URL, {
      prefix: env.QUEUE_PREFIX,
      defaultJobOptions: jobOptionsFor(ANALYSIS_QUEUE),
    });
    await queue.isReady();
    let completed = 0;
    /** @type {() => void} */
    let allDone = () => undefined;
    const done = new Promise((resolve) => (allDone = () => resolve(undefined)));
    queue.on('completed', () => {
      if (++completed === n) allDone();
    });
    void queue.process('noop', concurrency, async () => undefined);
    const started = performance.now();
    for (let i = 0; i < n; i += batch) {
      const size = Math.min(batch, n - i);
      await queue.addBulk(
        Array.from({ length: size }, (_, k) => ({ name: 'noop', data: { tenantId: 'bench', analysisId: `${i + k}` } })),
      );
    }
    await done;
    const ms = performance.now() - started;
    await queue.close();
    return { ms, n };
  }

  const control = http.createServer((request, response) => {
    const reply = (/** @type {number} */ status, /** @type {unknown} */ body) =>
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    const work =
      request.method === 'POST' && request.url === '/bull-noop'
        ? bodyOf(request).then(bullNoop)
        : request.method === 'GET' && request.url === '/counts'
          ? analysisQueue.getJobCounts()
          : null;
    if (!work) return reply(404, { error: 'not found' });
    work.then(
      (result) => reply(200, result),
      (/** @type {unknown} */ error) =>
        reply(500, { error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
    );
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

runBenchServer('analysis-queue-worker', main);
