import { bootstrapApplication } from '@itinera/platform';
import { createWorkerApp } from './worker-app';

void bootstrapApplication('worker', async (env) => {
  const app = await createWorkerApp(env);
  await app.listen({ port: env.WORKER_PORT, host: env.HOST });
  return app;
});
