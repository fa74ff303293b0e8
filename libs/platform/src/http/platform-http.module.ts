import { Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { ThrottlerGuard, ThrottlerModule } from '@nestjs/throttler';
import { ClsModule } from 'nestjs-cls';
import type { IncomingMessage } from 'node:http';
import { AppConfig } from '../config/app-config.module';
import { ProblemDetailsFilter } from '../errors/problem-details.filter';
import { LoggingModule } from '../logging/logging.module';
import { MetricsModule } from '../metrics/metrics.module';
import { RequestValidationPipe } from './request-validation.pipe';

/**
 * What every HTTP app gets: request logs with a request id, request context (nestjs-cls), the
 * global validation pipe, the problem-details filter, rate limits and `/metrics`.
 */
@Module({
  imports: [
    LoggingModule,
    MetricsModule,
    ClsModule.forRoot({
      global: true,
      middleware: {
        mount: true,
        generateId: true,
        idGenerator: (req: IncomingMessage) => (req as IncomingMessage & { id: string }).id,
        setup: (cls, req: IncomingMessage) => cls.set('requestId', (req as IncomingMessage & { id: string }).id),
      },
    }),
    // In-memory counters per instance: a Redis store would turn a Redis outage into failed requests.
    ThrottlerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        throttlers: [
          {
            name: 'default',
            ttl: config.get('RATE_LIMIT_TTL_SECONDS', { infer: true }) * 1000,
            limit: config.get('RATE_LIMIT_MAX', { infer: true }),
          },
        ],
      }),
    }),
  ],
  providers: [
    { provide: APP_PIPE, useClass: RequestValidationPipe },
    { provide: APP_FILTER, useClass: ProblemDetailsFilter },
    { provide: APP_GUARD, useClass: ThrottlerGuard },
  ],
})
export class PlatformHttpModule {}
