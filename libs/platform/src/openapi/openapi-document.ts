import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { FieldError, ProblemDetails } from '../errors/problem-details';
import { PageInfo } from '../pagination/page';
import { problemResponse } from './api-responses';

type Operation = {
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
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    extraModels: [ProblemDetails, FieldError, PageInfo],
    // `Outbox_list` rather than `OutboxController_list`: these become method names in generated clients.
    operationIdFactory: (controllerKey, methodKey) => `${controllerKey.replace(/Controller$/, '')}_${methodKey}`,
  });
  addCommonProblemResponses(document);
  return document;
}
