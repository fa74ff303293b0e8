import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { validateEnvironment, type AppEnvironment } from '@itinera/platform';
import { createApiApp } from '../../apps/api/src/api-app';
import { createWorkerApp } from '../../apps/worker/src/worker-app';

/** The environment of the test worker (see worker-environment.ts) with `overrides`, validated like production. */
export function testEnvironment(overrides: Record<string, string> = {}): AppEnvironment {
  return validateEnvironment({ ...process.env, ...overrides });
}

/** The real API app, initialised (not listening); drive it with `app.inject()` or `listen(0)`. */
export async function startApi(overrides: Record<string, string> = {}): Promise<NestFastifyApplication> {
  const app = await createApiApp(testEnvironment(overrides));
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

/** The real worker app (consumers, schedules, outbox relay), initialised. */
export async function startWorker(overrides: Record<string, string> = {}): Promise<NestFastifyApplication> {
  const app = await createWorkerApp(testEnvironment(overrides));
  await app.init();
  return app;
}

/** Polls `probe` until it returns a truthy value, or fails after `timeoutMs` with `what` in the message. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T> | T,
  timeoutMs = 15_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
