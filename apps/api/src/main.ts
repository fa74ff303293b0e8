import { bootstrapApplication } from '@itinera/platform';
import { createApiApp } from './api-app';

void bootstrapApplication('api', async (env) => {
  const app = await createApiApp(env);
  await app.listen({ port: env.PORT, host: env.HOST });
  return app;
});
