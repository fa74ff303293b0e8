import type { DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { configureHttpApp, createFastifyAdapter, createOpenApiDocument, type AppEnvironment } from '@itinera/platform';
import { installAuthentication } from '@itinera/identity';
import { ApiModule } from './api.module';

export const API_DOCS_PATH = 'docs';

const API_INFO = {
  title: 'Itinera API',
  description: [
    'One backend for document workflows, an encrypted patient repository, multi-tenant metrics and projects.',
    '',
    'Every error is RFC 9457 problem details (`application/problem+json`, schema `ProblemDetails`) with a `code` and the',
    '`requestId` that is also in the `x-request-id` response header. Lists are cursor-paginated:',
    '`{ data, page: { nextCursor, limit } }`; pass `page.nextCursor` as `cursor` for the next page.',
  ].join('\n'),
  version: '0.1.0',
};

/** The OpenAPI document of a created API app: served at /docs-json and written to openapi.json. */
export function apiDocument(app: NestFastifyApplication): OpenAPIObject {
  return createOpenApiDocument(app, API_INFO);
}

/**
 * Creates the API application, fully configured but not listening. Shared by main.ts, the OpenAPI
 * writer and the e2e tests, so that all three see the same app. `preview` builds the route graph
 * without instantiating providers (no database or Redis needed), for the OpenAPI writer.
 * `extraModules` adds modules beside the API's own (the benchmarks' comparison routes).
 */
export async function createApiApp(
  env: AppEnvironment,
  options: { preview?: boolean; extraModules?: DynamicModule['imports'] } = {},
): Promise<NestFastifyApplication> {
  const module = ApiModule.forRoot(env);
  module.imports = [...(module.imports ?? []), ...(options.extraModules ?? [])];
  const app = await NestFactory.create<NestFastifyApplication>(module, createFastifyAdapter(env), {
    bufferLogs: true,
    // configureHttpApp registers the JSON parser; nothing else is parsed.
    bodyParser: false,
    preview: options.preview,
    abortOnError: false,
  });
  if (options.preview) return app;
  await configureHttpApp(app);
  installAuthentication(app);
  SwaggerModule.setup(API_DOCS_PATH, app, () => apiDocument(app), {
    jsonDocumentUrl: `${API_DOCS_PATH}-json`,
    customSiteTitle: 'Itinera API',
  });
  return app;
}
