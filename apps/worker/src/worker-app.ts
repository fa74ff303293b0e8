import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { configureHttpApp, createFastifyAdapter, type AppEnvironment } from '@itinera/platform';
import { WorkerModule } from './worker.module';

/** Creates the worker application (consumers start with it), not yet listening for /health and /metrics. */
export async function createWorkerApp(env: AppEnvironment): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(WorkerModule.forRoot(env), createFastifyAdapter(env), {
    bufferLogs: true,
    // configureHttpApp registers the JSON parser; nothing else is parsed.
    bodyParser: false,
    abortOnError: false,
  });
  await configureHttpApp(app);
  return app;
}
