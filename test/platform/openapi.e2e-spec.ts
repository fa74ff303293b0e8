import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { apiDocument } from '../../apps/api/src/api-app';
import { createItineraClient } from '../../client';
import { startApi } from '../support/test-apps';
import { platformAdminHeaders } from '../support/identity-fixtures';

const root = join(__dirname, '..', '..');

describe('OpenAPI document and the generated client', () => {
  let adminHeaders: Record<string, string>;
  beforeAll(async () => {
    adminHeaders = await platformAdminHeaders();
  });

  let app: NestFastifyApplication;

  beforeAll(async () => {
    app = await startApi();
  });
  afterAll(() => app.close());

  it('serves the same document at /docs-json as the committed openapi.json (run `npm run openapi` after changing routes)', async () => {
    const served = (await app.inject({ method: 'GET', url: '/docs-json' })).json();
    const committed = JSON.parse(readFileSync(join(root, 'openapi.json'), 'utf8'));
    expect(served).toEqual(committed);
    expect(apiDocument(app)).toEqual(committed);
  });

  it('has client types generated from the committed openapi.json (run `npm run client`)', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'itinera-client-')), 'itinera-api.d.ts');
    execFileSync(
      process.execPath,
      [join(root, 'node_modules', 'openapi-typescript', 'bin', 'cli.js'), join(root, 'openapi.json'), '-o', out],
      {
        stdio: 'ignore',
      },
    );
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(join(root, 'client', 'itinera-api.d.ts'), 'utf8'));
  });

  it('serves Swagger UI at /docs', async () => {
    const res = await app.inject({ method: 'GET', url: '/docs' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('swagger-ui');
  });

  it('declares problem details for the errors of every operation', () => {
    const document = apiDocument(app);
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item as Record<string, { responses: Record<string, any> }>)) {
        expect([path, method, operation.responses['500']?.content?.['application/problem+json']]).toEqual([
          path,
          method,
          expect.anything(),
        ]);
      }
    }
  });

  describe('through the generated client', () => {
    let baseUrl: string;

    beforeAll(async () => {
      await app.listen({ port: 0, host: '127.0.0.1' });
      baseUrl = await app.getUrl();
      baseUrl = baseUrl.replace('[::1]', '127.0.0.1');
    });

    it('round-trips a call with typed parameters and response', async () => {
      const api = createItineraClient({ baseUrl, headers: adminHeaders });
      const { data, error, response } = await api.GET('/admin/outbox', {
        params: { query: { limit: 5, state: 'dead' } },
      });
      expect(error).toBeUndefined();
      expect(response.status).toBe(200);
      expect(data?.page).toEqual({ nextCursor: null, limit: 5 });
      expect(Array.isArray(data?.data)).toBe(true);
    });

    it('receives problems as typed errors', async () => {
      const api = createItineraClient({ baseUrl, headers: adminHeaders });
      const { data, error, response } = await api.GET('/admin/outbox/{id}', {
        params: { path: { id: '00000000-0000-4000-8000-000000000000' } },
      });
      expect(data).toBeUndefined();
      expect(response.status).toBe(404);
      expect(error).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    });
  });
});
