import rateLimit from '@fastify/rate-limit';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Logger } from 'nestjs-pino';
import type { IncomingMessage } from 'node:http';
import type { AppEnvironment } from '../config/config.schema';
import { AppConfig } from '../config/app-config.module';
import { MetricsRegistry } from '../metrics/metrics.registry';
import { AppError, PlatformErrorCode } from '../errors/app-error';
import { rateLimited } from './rate-limit';
import { REQUEST_ID_HEADER, requestIdFor } from './request-id';
import { securityHeadersFor } from './security-headers';
import { streamingMultipart } from './streaming-multipart';
import { matchedRoute } from './matched-route';
import { installRequestLog } from '../logging/logging.module';
import { installRequestContext } from '../context/request-context';
import { sendProblem } from '../errors/problem-details.filter';

/** A JSON-escaped NUL (not preceded by an escaping backslash): PostgreSQL cannot store it in text. */
const ESCAPED_NUL = /(?<!\\)(?:\\\\)*\\u0000/;

/** Fastify codes of a JSON body that cannot be parsed. */
const MALFORMED_JSON = new Set(['FST_ERR_CTP_INVALID_JSON_BODY', 'FST_ERR_CTP_EMPTY_JSON_BODY']);

/** The Fastify server settings every Itinera HTTP app (and the bench's bare route) uses. */
export function fastifyOptions(env: Pick<AppEnvironment, 'BODY_LIMIT_BYTES' | 'TRUST_PROXY'>) {
  return {
    bodyLimit: env.BODY_LIMIT_BYTES,
    trustProxy: env.TRUST_PROXY,
    // The id is also put on the raw request, where pino-http reads it.
    genReqId: (req: IncomingMessage) => ((req as IncomingMessage & { id?: string }).id = requestIdFor(req)),
    // While draining at shutdown, new requests get 503 and keep-alive sockets close.
    return503OnClosing: true,
    forceCloseConnections: 'idle' as const,
    // Errors the router raises before any hook runs (a path parameter over 100 characters: 414, a
    // malformed percent-encoding: 400) leave in the one problem shape, with the headers the
    // onRequest hook would have set, like every other error.
    frameworkErrors: (error: Error, request: FastifyRequest, reply: FastifyReply) => {
      reply.headers(securityHeadersFor(request.url));
      reply.header(REQUEST_ID_HEADER, request.id);
      sendProblem(error, request, reply);
    },
  };
}

export function createFastifyAdapter(env: Pick<AppEnvironment, 'BODY_LIMIT_BYTES' | 'TRUST_PROXY'>): FastifyAdapter {
  // No Nest middleware anywhere (the request log, context, headers and limits are Fastify hooks), so
  // no @fastify/middie either: Nest would otherwise register it and run its hook on every request.
  return new FastifyAdapter({ ...fastifyOptions(env), skipMiddie: true });
}

/**
 * Fastify-level setup shared by the API, the worker's health server and the e2e tests: logs,
 * request context, security headers, rate limits, CORS, the JSON body parser, the request-id
 * response header and the HTTP latency histogram.
 */
export async function configureHttpApp(app: NestFastifyApplication): Promise<void> {
  const config = app.get(AppConfig);
  app.useLogger(app.get(Logger));
  app.flushLogs();
  app.enableShutdownHooks();

  const fastify = app.getHttpAdapter().getInstance();
  // The request's async context (RequestContext), entered before any other hook of ours runs, in the
  // hook that also sets the headers every response carries, errors included.
  installRequestContext(fastify, (request, reply) => {
    reply.headers(securityHeadersFor(request.url));
    reply.header(REQUEST_ID_HEADER, request.id);
  });
  const rateLimitMax: number = config.get('RATE_LIMIT_MAX', { infer: true });
  const rateLimitWindowMs: number = config.get('RATE_LIMIT_TTL_SECONDS', { infer: true }) * 1000;
  await app.register(rateLimit, {
    global: true,
    max: rateLimitMax,
    timeWindow: rateLimitWindowMs,
    keyGenerator: (request) => request.ip,
    errorResponseBuilder: (_request, context) => rateLimited(context),
  });
  const origins = config
    .get('CORS_ORIGINS', { infer: true })
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  // No origins configured: no cross-origin access, and no CORS hook on every request.
  if (origins.length) {
    app.enableCors({
      origin: origins.includes('*') ? true : origins,
      exposedHeaders: [REQUEST_ID_HEADER, 'retry-after'],
    });
  }

  // multipart/form-data, parsed as a stream only when a route asks (attachments): one file per
  // request, at most ATTACHMENT_MAX_BYTES (more is a 413), a few small fields. Stream mode only:
  // see streaming-multipart.ts for the per-request hook this spares every route.
  await app.register(streamingMultipart, {
    limits: {
      fileSize: config.get('ATTACHMENT_MAX_BYTES', { infer: true }),
      files: 1,
      fields: 5,
      parts: 6,
      fieldSize: 4096,
      headerPairs: 50,
    },
  });

  // Fastify's own JSON parser (with its prototype-poisoning guards), but with errors Nest cannot
  // blur: Nest turns Fastify errors into bare HttpExceptions, which would lose MALFORMED_BODY.
  // Apps are created with `bodyParser: false`; other media types get 415.
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (ESCAPED_NUL.test(body as string)) {
      done(
        new AppError(PlatformErrorCode.ValidationFailed, 400, 'Bad Request', {
          detail: 'The body contains a NUL character (\\u0000), which no field accepts.',
        }),
        undefined,
      );
      return;
    }
    parseJson(request, body as string, (error: (Error & { code?: string }) | null, value?: unknown) => {
      if (error && MALFORMED_JSON.has(error.code ?? '')) {
        done(
          new AppError(PlatformErrorCode.MalformedBody, 400, 'Malformed body', { detail: error.message }),
          undefined,
        );
      } else {
        done(error, value);
      }
    });
  });
  installRequestLog(app);
  const duration = app.get(MetricsRegistry).httpRequestDuration();
  // One child per label set, looked up by a string key: prom-client otherwise hashes the label
  // object on every observation. Bounded like the label set itself (route templates, not URLs).
  const durationByLabels = new Map<string, { observe(seconds: number): void }>();
  fastify.addHook('onResponse', (request, reply, done) => {
    // The route template, never the raw URL, keeps the label set bounded.
    const route = matchedRoute(request).url ?? 'unmatched';
    const key = `${request.method} ${reply.statusCode} ${route}`;
    let child = durationByLabels.get(key);
    if (!child) {
      child = duration.labels({ method: request.method, route, status_code: String(reply.statusCode) });
      durationByLabels.set(key, child);
    }
    child.observe(reply.elapsedTime / 1000);
    done();
  });
}
