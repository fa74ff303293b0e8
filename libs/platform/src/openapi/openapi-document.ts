import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { FieldError, ProblemDetails } from '../errors/problem-details';
import { PageInfo } from '../pagination/page';
import { problemResponse } from './api-responses';
import { ACCESS_EXTENSION, type RouteAccess } from '../auth/route-access';

/** Names of the security schemes in the document. */
export const BEARER_SCHEME = 'bearer';
export const API_KEY_SCHEME = 'apiKey';

type Operation = {
  security?: Record<string, string[]>[];
  [ACCESS_EXTENSION]?: RouteAccess;
  parameters?: { in?: string }[];
  requestBody?: unknown;
  responses: Record<string, unknown>;
};

/**
 * Every route can answer these, so they are declared once here rather than on each route:
 * 429 and 500 everywhere, 400 where the route takes input, 404 where the path names a resource,
 * 413 and 415 where it takes a body.
 */
export function addCommonProblemResponses(document: OpenAPIObject): void {
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      const operation = (item as Record<string, Operation | undefined>)[method];
      if (!operation) continue;
      const add = (status: number, description: string) => {
        operation.responses[status] ??= problemResponse(description);
      };
      if (operation.parameters?.length || operation.requestBody)
        add(400, 'The request is invalid; `errors` names the fields.');
      if (path.includes('{')) add(404, 'No such resource.');
      if (operation.requestBody) {
        add(413, 'The body is larger than the limit.');
        add(415, 'The Content-Type is not accepted.');
      }
      const access = operation[ACCESS_EXTENSION] ?? {};
      delete operation[ACCESS_EXTENSION];
      // Every operation states its security, so generated clients know how to authenticate:
      // an empty list for public routes, the bearer token (and API keys where accepted) otherwise.
      if (access.public) {
        operation.security = [];
      } else {
        operation.security = access.apiKeyScopes
          ? [{ [BEARER_SCHEME]: [] }, { [API_KEY_SCHEME]: [] }]
          : [{ [BEARER_SCHEME]: [] }];
        add(401, 'Missing, malformed, expired or revoked credentials.');
        add(403, 'The credentials are valid but lack the role, scope or tenant this needs.');
      }
      add(429, 'Too many requests; retry after `Retry-After` seconds.');
      add(500, 'The server failed; quote the request id when reporting it.');
    }
  }
}

export interface OpenApiInfo {
  title: string;
  description: string;
  version: string;
}

export function createOpenApiDocument(app: INestApplication, info: OpenApiInfo): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle(info.title)
    .setDescription(info.description)
    .setVersion(info.version)
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT or API key',
        description:
          'An access token from POST /auth/login (or an accepted OIDC token); API keys may be sent this way too.',
      },
      BEARER_SCHEME,
    )
    .addApiKey(
      {
        type: 'apiKey',
        in: 'header',
        name: 'X-API-Key',
        description: 'A tenant API key (itk_...), on routes that accept keys.',
      },
      API_KEY_SCHEME,
    )
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    extraModels: [ProblemDetails, FieldError, PageInfo],
    // `Outbox_list` rather than `OutboxController_list`: these become method names in generated clients.
    operationIdFactory: (controllerKey, methodKey) => `${controllerKey.replace(/Controller$/, '')}_${methodKey}`,
  });
  addCommonProblemResponses(document);
  return document;
}
