// @ts-check
/**
 * Child process: the full API app (every global middleware on) from dist/, listening on an
 * ephemeral port on 127.0.0.1, which it reports to the runner over IPC. BENCH_MODULES=db adds the
 * bench-only db routes (bench-db.module.js), BENCH_MODULES=tenant the tenant-read routes
 * (bench-tenant.module.js). Configuration comes from the environment the runner
 * sets (validated like production). SIGTERM closes the app (Nest's shutdown hooks); losing the
 * runner (IPC disconnect) ends the process, so no server outlives a benchmark.
 * BENCH_APP_WITHOUT switches parts of the platform off, for diagnostic variants (app-without.js).
 */
const { portOf, runBenchServer } = require('./child');
const dist = require('./dist');
const { appWithout, withoutLinkRouter, withoutRateLimit } = require('./app-without');

async function main() {
  const without = appWithout();
  if (without.has('rate-limit')) withoutRateLimit();
  const { validateEnvironment } = dist.platform();
  const { createApiApp } = dist.apiApp();
  const env = validateEnvironment(process.env);
  const modules = (process.env.BENCH_MODULES ?? '').split(',').filter(Boolean);
  const extraModules = modules.map((name) => {
    if (name === 'db') return require('./bench-db.module').BenchDbModule;
    if (name === 'tenant') return require('./bench-tenant.module').BenchTenantModule;
    throw new Error(`unknown bench module ${name}`);
  });
  const app = await createApiApp(env, { extraModules });
  if (without.has('link-router')) withoutLinkRouter(app);
  await app.listen(0, '127.0.0.1');
  return portOf(app.getHttpServer());
}

runBenchServer('app-server', main);
