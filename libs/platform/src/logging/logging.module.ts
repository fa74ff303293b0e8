import { Module } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { LoggerModule, PinoLogger } from 'nestjs-pino';
import { AppConfig } from '../config/app-config.module';
import { RequestContext } from '../context/request-context';
import { matchedRoute } from '../http/matched-route';

/**
 * Path segments that are secrets (recipient link tokens) are masked before a URL is logged.
 * Add a pattern here when a route carries a secret in its path.
 */
const SECRET_PATH_SEGMENTS: RegExp[] = [/^(\/r\/)[^/?]+/];

/**
 * Query parameters whose name says they hold a secret. The API never asks for one in a query
 * string, but a client may put one there anyway (`?access_token=`); it must not reach the logs.
 */
const SECRET_QUERY_PARAMETER = /([?&][^=&#]*(?:token|key|secret|password|code)[^=&#]*=)[^&#]*/gi;

export function redactUrl(url: string): string {
  const path = SECRET_PATH_SEGMENTS.reduce((u, pattern) => u.replace(pattern, '$1[redacted]'), url);
  return path.includes('?') ? path.replace(SECRET_QUERY_PARAMETER, '$1[redacted]') : path;
}

/**
 * Probes and scrapes would drown the request log: their responses are not logged.
 */
const QUIET_ROUTES = new Set(['/health/live', '/health/ready', '/metrics']);

/**
 * Logs: pino through nestjs-pino (Nest's own logger and PinoLogger), JSON lines, every line of a
 * request or job carrying its `requestId` (a mixin reading RequestContext). The request log ("request
 * completed") is written by a Fastify onResponse hook (installRequestLog), not by nestjs-pino's
 * pino-http middleware: any Nest middleware makes Fastify run @fastify/middie on every request,
 * which measured ~25% of the throughput of a cheap route (`npm run bench -- health`).
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        // No middleware: see above. nestjs-pino still builds its root logger from pinoHttp.
        forRoutes: [],
        pinoHttp: {
          level: config.get('LOG_LEVEL', { infer: true }),
          transport: config.get('LOG_PRETTY', { infer: true })
            ? {
                target: 'pino-pretty',
                options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l' },
              }
            : undefined,
          mixin: () => {
            const requestId = RequestContext.get('requestId');
            return requestId ? { requestId } : {};
          },
          redact: {
            paths: ['*.password', '*.token', '*.refreshToken', '*.authorization', '*["x-api-key"]'],
            censor: '[redacted]',
          },
        },
      }),
    }),
  ],
})
export class LoggingModule {}

/**
 * One line per response (except probes and scrapes): method, URL with secrets masked, client
 * address, status and time; warn for 4xx, error for 5xx (whose cause sendProblem logs).
 */
export function installRequestLog(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  // The line holds no body, header or parameter, and its URL is masked (redactUrl): the root
  // logger's redaction paths have nothing to find in it, and walking them costs on every request.
  let requestLogger: PinoLogger['logger'] | undefined;
  fastify.addHook('onResponse', (request, reply, done) => {
    const logger = (requestLogger ??= PinoLogger.root?.child({}, { redact: [] }));
    if (logger && !QUIET_ROUTES.has(matchedRoute(request).url ?? '')) {
      const status = reply.statusCode;
      const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
      logger[level](
        // Not `req`/`res`: pino-http's serializers own those keys and expect raw Node objects.
        {
          request: { method: request.method, url: redactUrl(request.url), remoteAddress: request.ip },
          statusCode: status,
          responseTime: Math.round(reply.elapsedTime),
        },
        'request completed',
      );
    }
    done();
  });
}
