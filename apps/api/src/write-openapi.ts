import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { validateEnvironment } from '@itinera/platform';
import { apiDocument, createApiApp } from './api-app';

/** `npm run openapi`: writes the API's OpenAPI document to openapi.json (committed; a test compares it). */
async function writeOpenApi(): Promise<void> {
  // Only the route graph is built (preview), so any well-formed URLs will do.
  const env = validateEnvironment({
    ...process.env,
    DATABASE_URL: 'postgresql://openapi@localhost/openapi',
    REDIS_URL: 'redis://localhost:6379',
    LOG_LEVEL: 'silent',
  });
  const app = await createApiApp(env, { preview: true });
  const target = resolve(process.argv[2] ?? 'openapi.json');
  writeFileSync(target, `${JSON.stringify(apiDocument(app), null, 2)}\n`);
  await app.close();
  console.log(`wrote ${target}`);
}

void writeOpenApi();
