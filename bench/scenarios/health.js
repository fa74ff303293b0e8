// @ts-check
/**
 * health: the platform's overhead per request. `GET /health/live` on the full API app (every global
 * hook, pipe and filter on: request context, security headers, rate limit, CORS, request id, metrics,
 * validation pipe, problem-details filter, nestjs-pino) against a bare Fastify route returning the same JSON with the same
 * server options. Target (DESIGN.md): the app reaches at least 60% of the bare route's requests/s.
 *
 * One server at a time, each in its own child process, started afresh for each round; the order is
 * ABBA (bare, app, app, bare, ...) so a slow drift of the shared machine weighs on both sides alike.
 */
const { assertClean, describeRound, measure, resultRow, startServer } = require('../lib/harness');

const PATH = '/health/live';
const EXPECTED_BODY = '{"status":"ok"}';
const TARGET = 0.6;

const BARE = 'bare Fastify route (ceiling)';
const APP = 'full API app';

/** @type {{ variant: string, script: string }[]} */
const VARIANTS = [
  { variant: BARE, script: 'bare-server.js' },
  { variant: APP, script: 'app-server.js' },
];

/** @type {import('../lib/harness').Scenario} */
module.exports = {
  name: 'health',
  summary: 'GET /health/live on the full API app vs a bare Fastify route (target: >= 60% of its req/s)',
  async run({ params, serverEnv, log }) {
    /** @type {import('../lib/harness').Round[]} */
    const rounds = [];
    for (let round = 1; round <= params.rounds; round++) {
      const order = round % 2 ? VARIANTS : [...VARIANTS].reverse();
      for (const { variant, script } of order) {
        const server = await startServer(variant, script, serverEnv);
        try {
          const response = await fetch(`${server.url}${PATH}`);
          const body = await response.text();
          if (response.status !== 200 || body !== EXPECTED_BODY) {
            throw new Error(`${variant}: GET ${PATH} answered ${response.status} ${body}`);
          }
          const result = await measure({ server, path: PATH, params });
          assertClean(result, `${variant}, round ${round}`, server);
          rounds.push({ variant, round, ...result });
          log(`health round ${round}, ${variant}: ${describeRound(result)}`);
        } finally {
          await server.stop();
        }
      }
    }
    const rows = [resultRow(rounds, BARE, BARE), resultRow(rounds, APP, BARE, TARGET)];
    return {
      rows,
      rounds,
      notes: [
        `The app runs at LOG_LEVEL=${params.logLevel} (stdout to /dev/null); the request logger is not mounted on /health/live, a quiet path, as in production.`,
        '/health/live is exempt from the rate limit (@SkipRateLimit), as in production; every other global hook, pipe and filter runs.',
      ],
      details: { path: PATH, targetRatio: TARGET, order: 'ABBA per pair of rounds, a fresh server per round' },
    };
  },
};
