// @ts-check
/**
 * A measured run like harness.measure (warm-up discarded, then one measured autocannon run against
 * a server child, the server's CPU over the window), that also keeps every response's latency.
 * autocannon 8 reports p2.5/p50/p75/p90/p97.5/p99 from an HDR histogram of whole milliseconds and
 * no p95; here each response time (autocannon's own, from process.hrtime, in fractional ms) is
 * kept, so p50, p95 and p99 are exact order statistics of the measured window's 2xx responses.
 */
const { assertClean } = require('./harness');

/** Through a variable, so that the type checker does not look for autocannon's (missing) declarations. */
const AUTOCANNON = 'autocannon';

/**
 * @typedef {import('./harness').LoadResult & { p95: number, p90: number, autocannonP99: number, latencySamples: number }} DetailedLoadResult
 *   p50 / p95 / p99 exact (ms, fractional); autocannonP99 autocannon's own (whole ms)
 */

/** The q-quantile (0..1) of sorted values, nearest rank. @param {Float64Array} sorted @param {number} q */
function quantile(sorted, q) {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank];
}

/**
 * @param {Record<string, unknown>} options autocannon options
 * @param {((status: number, ms: number) => void) | undefined} onResponse
 * @returns {Promise<any>}
 */
function run(options, onResponse) {
  const autocannon = require(AUTOCANNON);
  return new Promise((resolve, reject) => {
    const instance = autocannon(options, (/** @type {Error | null} */ error, /** @type {unknown} */ result) =>
      error ? reject(error) : resolve(result),
    );
    if (onResponse) {
      instance.on(
        'response',
        (
          /** @type {unknown} */ _client,
          /** @type {number} */ status,
          /** @type {number} */ _bytes,
          /** @type {number} */ ms,
        ) => onResponse(status, ms),
      );
    }
  });
}

/**
 * @param {object} options
 * @param {import('./harness').ServerChild} options.server
 * @param {string} [options.path]
 * @param {() => string} [options.nextPath]
 * @param {Record<string, string>} [options.headers]
 * @param {import('./harness').BenchParams} options.params
 * @param {number} [options.connections]  overrides params.connections
 * @param {() => Promise<Record<string, number>>} [options.counters]
 * @returns {Promise<DetailedLoadResult>}
 */
async function measureLatencies({ server, path: fixedPath, nextPath, headers, params, connections, counters }) {
  const requests = nextPath
    ? [{ method: 'GET', setupRequest: (/** @type {{ path: string }} */ req) => ({ ...req, path: nextPath() }) }]
    : undefined;
  const base = {
    url: fixedPath ? `${server.url}${fixedPath}` : server.url,
    connections: connections ?? params.connections,
    pipelining: params.pipelining,
    requests,
    ...(headers ? { headers } : {}),
  };
  if (params.warmup > 0) await run({ ...base, duration: params.warmup }, undefined);
  /** @type {number[]} */
  const samples = [];
  const before = counters ? await counters() : {};
  const cpuBefore = await server.cpuMicros();
  const result = await run({ ...base, duration: params.duration }, (status, ms) => {
    if (status >= 200 && status < 300) samples.push(ms);
  });
  const cpuAfter = await server.cpuMicros();
  const after = counters ? await counters() : {};
  const sorted = Float64Array.from(samples).sort();
  return {
    requestsPerSecond: result.requests.average,
    p50: quantile(sorted, 0.5),
    p90: quantile(sorted, 0.9),
    p95: quantile(sorted, 0.95),
    p99: quantile(sorted, 0.99),
    autocannonP99: result.latency.p99,
    latencySamples: sorted.length,
    meanLatency: result.latency.mean,
    maxLatency: result.latency.max,
    requests: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    seconds: result.duration,
    cpuMicrosPerRequest: (cpuAfter - cpuBefore) / Math.max(1, result['2xx'] + result.non2xx),
    ...(counters
      ? { counted: Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)])) }
      : {}),
  };
}

/** @param {DetailedLoadResult} r */
const describeDetailed = (r) =>
  `${Math.round(r.requestsPerSecond).toLocaleString('en-US')} req/s, p50 ${r.p50.toFixed(2)} ms, ` +
  `p95 ${r.p95.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, server CPU ${Math.round(r.cpuMicrosPerRequest)} µs/request`;

module.exports = { measureLatencies, describeDetailed, quantile, assertClean };
