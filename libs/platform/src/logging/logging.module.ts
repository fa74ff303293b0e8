import { Module, RequestMethod } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppConfig } from '../config/app-config.module';

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
 * Probes and scrapes would drown the request log. The request logger is not even mounted on them:
 * pino-http costs ~50 µs per request, which a probe every second per instance need not pay.
 */
const QUIET_ROUTES = ['health/live', 'health/ready', 'metrics'].map((path) => ({ path, method: RequestMethod.GET }));

@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        exclude: QUIET_ROUTES,
        pinoHttp: {
          level: config.get('LOG_LEVEL', { infer: true }),
          transport: config.get('LOG_PRETTY', { infer: true })
            ? {
                target: 'pino-pretty',
                options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l' },
              }
            : undefined,
          // Fastify already chose the id (its genReqId honours x-request-id) and put it on the raw request.
          genReqId: (req: IncomingMessage) => (req as IncomingMessage & { id: string }).id,
          customLogLevel: (_req: IncomingMessage, res: ServerResponse, err?: Error) =>
            err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
          serializers: {
            req: (req: { id: string; method: string; url: string; remoteAddress?: string }) => ({
              id: req.id,
              method: req.method,
              url: redactUrl(req.url),
              remoteAddress: req.remoteAddress,
            }),
            res: (res: { statusCode: number }) => ({
              statusCode: res.statusCode,
            }),
          },
          redact: {
            paths: [
              'req.headers.authorization',
              'req.headers.cookie',
              'req.headers["x-api-key"]',
              'res.headers["set-cookie"]',
              '*.password',
              '*.token',
              '*.refreshToken',
            ],
            censor: '[redacted]',
          },
        },
      }),
    }),
  ],
})
export class LoggingModule {}
