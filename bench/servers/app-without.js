// @ts-check
/**
 * Diagnostic variants of the full API app, for measuring how much of a scenario's gap to its
 * ceiling a part of the platform accounts for. Never used by the app itself; only app-server.js
 * applies them, when BENCH_APP_WITHOUT lists them (comma-separated):
 *   rate-limit    @fastify/rate-limit is replaced, before the app loads it, by a plugin that
 *                 registers nothing: no rate-limit hook on any route.
 *   link-router   GET /r/:token is answered by RecipientLinkViewService from a Fastify preHandler
 *                 hook, so Nest's router (its route proxy, parameter pipes, response handling) never
 *                 runs for it. Every global Fastify hook (request context, headers, authentication,
 *                 metrics, request log) and the error path (problem details) still run.
 * The request log is switched off through the environment instead (LOG_LEVEL=warn).
 */
const fastifyPlugin = require('fastify-plugin');
const dist = require('./dist');

/** @returns {Set<string>} */
function appWithout() {
  const parts = new Set((process.env.BENCH_APP_WITHOUT ?? '').split(',').filter(Boolean));
  for (const part of parts) {
    if (part !== 'rate-limit' && part !== 'link-router') throw new Error(`BENCH_APP_WITHOUT: unknown part ${part}`);
  }
  return parts;
}

/** Before the app is loaded: the rate-limit plugin becomes one that registers nothing. */
function withoutRateLimit() {
  const id = require.resolve('@fastify/rate-limit');
  const plugin = fastifyPlugin(async () => undefined, { name: '@fastify/rate-limit' });
  require.cache[id] = /** @type {NodeJS.Module} */ ({ id, filename: id, loaded: true, exports: plugin });
}

/**
 * After createApiApp, before listen: the link view served by a preHandler hook, bypassing Nest's router.
 * @param {import('@nestjs/platform-fastify').NestFastifyApplication} app
 */
function withoutLinkRouter(app) {
  const { RecipientLinkViewService } = dist.recipientLinkView();
  const { LINK_VERIFICATION_HEADER } = dist.recipientLinkResolver();
  const { matchedRoute } = dist.platform();
  const views = app.get(RecipientLinkViewService);
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('preHandler', (request, reply, done) => {
    if (request.method !== 'GET' || matchedRoute(request).url !== '/r/:token') return done();
    const { token } = /** @type {{ token: string }} */ (request.params);
    const grant = request.headers[LINK_VERIFICATION_HEADER];
    views.view(token, typeof grant === 'string' ? grant : undefined).then(
      (body) => reply.send(body),
      (error) => reply.send(error),
    );
  });
}

module.exports = { appWithout, withoutRateLimit, withoutLinkRouter };
