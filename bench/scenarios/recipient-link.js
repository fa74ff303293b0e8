// @ts-check
/**
 * recipient-link: `GET /r/:token` with 1,000,000 recipients (250,000 ACTIVE, unexpired sessions of
 * 4 recipients, in 4 tenants; every recipient already ACCESSED and without verification, so a view
 * is a read), a random token of the set per request, on the full API app, against a bare Fastify
 * route (bench/servers/link-bare-server.js, the app's fastifyOptions(env)) that sends the same
 * statement the app sends for a view (RecipientLinkResolver: SHA-256 of the token, then the named
 * prepared `SELECT * FROM recipient_link_lookup($1, $2)`, as the app role) through a raw pg Pool and
 * answers the same JSON body.
 * Targets (DESIGN.md "Performance", issue 4): the app reaches >= 70% of the bare route's
 * requests/s, and its p99 is at most twice the bare route's p99, at 50 connections.
 * A third, diagnostic variant measures what is left of the gap without three parts the app cannot
 * drop but which a reader might suspect: the app with no rate limit, no request log and the view
 * served without Nest's router (bench/servers/app-without.js). It has no target; it shows how much
 * of the gap those parts account for.
 * A fresh server per round, bare, app, floor then floor, app, bare, like the health scenario's ABBA.
 */
const fs = require('node:fs');
const path = require('node:path');
const { isDeepStrictEqual } = require('node:util');
const { resultRow, startServer, ROOT } = require('../lib/harness');
const { assertClean, describeDetailed, measureLatencies } = require('../lib/latency');
const { createTenants, linkToken, seedSessions, vacuumAnalyze, withOwner } = require('../lib/workflow-seed');
const { LINK_LOOKUP } = require('../servers/link-bare-server');

const TENANTS = 4;
const SESSIONS = 250_000;
const PER_SESSION = 4;
const LINKS = SESSIONS * PER_SESSION;
const LABEL = 'bench-link';
const TARGET = 0.7;
const P99_FACTOR = 2;

const BARE = 'bare Fastify + raw pg (ceiling)';
const APP = 'full API app, GET /r/:token';
const FLOOR = 'app without rate limit, request log, Nest router (diagnostic)';

const RESOLVER_JS = path.join(ROOT, 'dist', 'libs', 'recipients', 'src', 'links', 'recipient-link.resolver.js');

/** The statement the app sends must be the one the ceiling sends. */
function checkSameStatement() {
  if (!fs.existsSync(RESOLVER_JS)) throw new Error(`${RESOLVER_JS} is missing: is libs/recipients built?`);
  const source = fs.readFileSync(RESOLVER_JS, 'utf8');
  if (!source.includes(`'${LINK_LOOKUP.text}'`) || !source.includes(`'${LINK_LOOKUP.name}'`)) {
    throw new Error(
      `RecipientLinkResolver no longer sends "${LINK_LOOKUP.text}" named ${LINK_LOOKUP.name}; update bench/servers/link-bare-server.js`,
    );
  }
}

/** @param {string} url */
async function get(url) {
  const response = await fetch(url);
  const text = await response.text();
  /** @type {any} */
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: response.status, text, json };
}

/** Statements timed on PrismaService's pool, and link views answered, from the app's /metrics. @param {string} url */
async function appCounters(url) {
  const text = await (await fetch(`${url}/metrics`)).text();
  /** @type {Record<string, number>} */
  const counters = { statements: 0, views: 0 };
  for (const line of text.split('\n')) {
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (line.startsWith('db_query_duration_seconds_count{')) counters.statements += value;
    else if (line.startsWith('http_request_duration_seconds_count{') && line.includes('route="/r/:token"')) {
      counters.views += value;
    }
  }
  return counters;
}

/** @param {string} databaseUrl */
async function databaseState(databaseUrl) {
  return withOwner(databaseUrl, async (client) => {
    const { rows } = await client.query(
      `SELECT (SELECT count(*)::int FROM recipients WHERE status = 'ACCESSED') AS accessed,
              (SELECT count(*)::int FROM recipients) AS recipients,
              (SELECT count(*)::int FROM audit_log WHERE action = 'recipient.viewed') AS viewed`,
    );
    return rows[0];
  });
}

/** @type {import('../lib/harness').Scenario} */
module.exports = {
  name: 'recipient-link',
  summary:
    'GET /r/:token, 1M recipients: the app vs a bare Fastify route with the same prepared lookup (>= 70%, p99 <= 2x)',
  async run({ params, serverEnv, databaseUrl, log }) {
    checkSameStatement();
    log(`seeding ${SESSIONS.toLocaleString('en-US')} sessions x ${PER_SESSION} recipients in ${TENANTS} tenants`);
    const started = Date.now();
    await withOwner(databaseUrl, async (client) => {
      const tenants = await createTenants(client, 'link', TENANTS);
      const each = SESSIONS / TENANTS;
      for (let t = 0; t < TENANTS; t++) {
        await seedSessions(client, {
          tenantId: tenants[t],
          label: LABEL,
          first: t * each + 1,
          last: (t + 1) * each,
          recipientsPerSession: PER_SESSION,
          creatorId: '00000000-0000-4000-8000-000000000001',
          shape: 'link',
        });
      }
      await vacuumAnalyze(client);
    });
    const seedSeconds = (Date.now() - started) / 1000;
    log(`seeded ${LINKS.toLocaleString('en-US')} links in ${seedSeconds.toFixed(1)} s`);
    const before = await databaseState(databaseUrl);
    if (before.recipients !== LINKS || before.accessed !== LINKS) {
      throw new Error(`seed: expected ${LINKS} ACCESSED recipients, found ${JSON.stringify(before)}`);
    }

    /** @type {NodeJS.ProcessEnv} */
    const env = { ...serverEnv, LINK_RATE_LIMIT_MAX: '100000000' };
    const randomPath = () => `/r/${linkToken(LABEL, 1 + Math.floor(Math.random() * LINKS))}`;
    // One token of each recipient type (link k has order index (k - 1) % 4: PRESCRIBER, PATIENT, PHARMACY, INSURANCE).
    const probes = [1, 2, 3, 4, LINKS].map((k) => linkToken(LABEL, k));
    const unknown = 'a'.repeat(32);

    // Before measuring: the app answers each probe, 404 for unknown and malformed tokens; the bare
    // route, given the app's form schemas, answers the very same bodies.
    /** @type {Record<string, unknown>} */
    const formSchemas = {};
    /** @type {any[]} */
    const appBodies = [];
    const app = await startServer(APP, 'app-server.js', env);
    try {
      for (const token of probes) {
        const response = await get(`${app.url}/r/${token}`);
        if (response.status !== 200 || response.json?.recipient?.status !== 'ACCESSED') {
          throw new Error(`app: GET /r/${token} answered ${response.status} ${response.text.slice(0, 300)}`);
        }
        formSchemas[response.json.recipient.type] = response.json.recipient.formSchema;
        appBodies.push(response.json);
      }
      for (const token of [unknown, 'not-a-token']) {
        const response = await get(`${app.url}/r/${token}`);
        if (response.status !== 404) throw new Error(`app: GET /r/${token} answered ${response.status}, not 404`);
      }
    } finally {
      await app.stop();
    }
    /**
     * A variant must answer exactly as the app does, or it would measure something else.
     * @param {string} label @param {string} script @param {NodeJS.ProcessEnv} childEnv @param {string[]} deadTokens
     */
    const expectAppAnswers = async (label, script, childEnv, deadTokens) => {
      const server = await startServer(label, script, childEnv);
      try {
        for (const [i, token] of probes.entries()) {
          const response = await get(`${server.url}/r/${token}`);
          if (response.status !== 200 || !isDeepStrictEqual(response.json, appBodies[i])) {
            throw new Error(
              `${label}: GET /r/${token} differs from the app's answer:\n${response.text.slice(0, 500)}\nvs\n${JSON.stringify(appBodies[i]).slice(0, 500)}`,
            );
          }
        }
        for (const token of deadTokens) {
          const response = await get(`${server.url}/r/${token}`);
          if (response.status !== 404)
            throw new Error(`${label}: GET /r/${token} answered ${response.status}, not 404`);
        }
      } finally {
        await server.stop();
      }
    };
    const bareEnv = { ...env, BENCH_LINK_FORM_SCHEMAS: JSON.stringify(formSchemas) };
    await expectAppAnswers(BARE, 'link-bare-server.js', bareEnv, [unknown]);
    const floorEnv = { ...env, LOG_LEVEL: 'warn', BENCH_APP_WITHOUT: 'rate-limit,link-router' };
    await expectAppAnswers(FLOOR, 'app-server.js', floorEnv, [unknown, 'not-a-token']);
    log('checked: all three answer the same bodies for a token of each type, 404 for unknown and malformed tokens');

    /** @type {(import('../lib/harness').Round & { p95?: number })[]} */
    const rounds = [];
    /** @type {{ statements: number, views: number }} */
    const appTotals = { statements: 0, views: 0 };
    const variants = [
      { variant: BARE, script: 'link-bare-server.js', env: bareEnv, isApp: false },
      { variant: APP, script: 'app-server.js', env, isApp: true },
      { variant: FLOOR, script: 'app-server.js', env: floorEnv, isApp: false },
    ];
    for (let round = 1; round <= params.rounds; round++) {
      for (const { variant, script, env: childEnv, isApp } of round % 2 ? variants : [...variants].reverse()) {
        const server = await startServer(variant, script, childEnv);
        try {
          const result = await measureLatencies({
            server,
            nextPath: randomPath,
            params,
            counters: isApp ? () => appCounters(server.url) : undefined,
          });
          assertClean(result, `${variant}, round ${round}`, server);
          rounds.push({ variant, round, ...result });
          if (isApp) {
            appTotals.statements += result.counted?.statements ?? 0;
            appTotals.views += result.counted?.views ?? 0;
          }
          log(`recipient-link round ${round}, ${variant}: ${describeDetailed(result)}`);
        } finally {
          await server.stop();
        }
      }
    }
    const after = await databaseState(databaseUrl);

    const bareRow = resultRow(rounds, BARE, BARE);
    const appRow = resultRow(rounds, APP, BARE, TARGET);
    const floorRow = resultRow(rounds, FLOOR, BARE);
    const p99Ratio = appRow.p99 / bareRow.p99;
    const p99Pass = p99Ratio <= P99_FACTOR;
    appRow.target = `>= ${TARGET * 100}%, p99 <= ${P99_FACTOR}x`;
    appRow.pass = Boolean(appRow.pass) && p99Pass;
    /** @param {string} variant */
    const p95Of = (variant) => {
      const values = rounds.filter((r) => r.variant === variant).map((r) => r.p95 ?? NaN);
      values.sort((a, b) => a - b);
      return values.length % 2
        ? values[(values.length - 1) / 2]
        : (values[values.length / 2 - 1] + values[values.length / 2]) / 2;
    };
    const statementsPerView = appTotals.statements / Math.max(1, appTotals.views);
    return {
      rows: [bareRow, appRow, floorRow],
      rounds,
      notes: [
        `App / bare: ${(appRow.ratio * 100).toFixed(1)}% of the requests/s (target >= ${TARGET * 100}%); ` +
          `p99 ${appRow.p99.toFixed(2)} ms vs ${bareRow.p99.toFixed(2)} ms = ${p99Ratio.toFixed(2)}x (target <= ${P99_FACTOR}x): ` +
          `${p99Pass ? 'met' : 'MISSED'}. p95 (medians): app ${p95Of(APP).toFixed(2)} ms, bare ${p95Of(BARE).toFixed(2)} ms.`,
        `Diagnostic, no target: without its rate limit, its request log and Nest's router (the view answered from a Fastify preHandler by the same service), ` +
          `the app reaches ${(floorRow.ratio * 100).toFixed(1)}% of the bare route; what is left of the gap is the request context, headers, authentication's ` +
          'public-route check, metrics and the cost of hosting the whole app in the process.',
        `Latency percentiles here are exact order statistics of every 2xx response time of the measured window (autocannon's own p99, in whole ms, is kept in the JSON as autocannonP99).`,
        `Statements the app timed per view: ${statementsPerView.toFixed(2)} (${appTotals.statements} over ${appTotals.views} views; the resolver's one prepared call).`,
        `Seed: ${TENANTS} tenants, ${SESSIONS.toLocaleString('en-US')} ACTIVE sessions x ${PER_SESSION} ACCESSED recipients = ${LINKS.toLocaleString('en-US')} links, ` +
          `set-based as the owner in ${seedSeconds.toFixed(0)} s; a random link of the set per request. ` +
          `No view wrote: ${after.accessed.toLocaleString('en-US')} recipients still ACCESSED, ${after.viewed} recipient.viewed audit entries.`,
        'Both: SHA-256 of the token, then `SELECT * FROM recipient_link_lookup($1, $2)` as the named prepared statement `recipient_link_lookup` ' +
          '(token hash, NULL grant) as the app role (itinera_app, under RLS; the function is SECURITY DEFINER), pool of DATABASE_POOL_SIZE. ' +
          "The bare route's body equals the app's (checked before measuring); it has no logger, hooks, rate limit or error filter.",
        `The app: every global hook (request context, security headers, rate limit with LINK_RATE_LIMIT_MAX raised, request id, metrics, request log at LOG_LEVEL=${params.logLevel} to /dev/null), ` +
          'the public route and RecipientLinkViewService. A fresh server per round, ABBA.',
      ],
      details: {
        tenants: TENANTS,
        sessions: SESSIONS,
        recipients: LINKS,
        seedSeconds,
        targetRatio: TARGET,
        p99Factor: P99_FACTOR,
        p99Ratio,
        p95: { app: p95Of(APP), bare: p95Of(BARE) },
        statementsPerView,
        statement: LINK_LOOKUP,
        databaseAfter: after,
        order: 'ABBA per pair of rounds, a fresh server per round',
      },
    };
  },
};
