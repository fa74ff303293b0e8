import { Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { ProblemDetailsFilter } from '../errors/problem-details.filter';
import { LoggingModule } from '../logging/logging.module';
import { MetricsModule } from '../metrics/metrics.module';
import { RequestValidationPipe } from './request-validation.pipe';

/**
 * What every HTTP app gets: request logs with a request id, the
 * global validation pipe, the problem-details filter and `/metrics` (rate limits, security headers
 * and request context are Fastify hooks: see fastify-app.ts).
 */
@Module({
  imports: [LoggingModule, MetricsModule],
  providers: [
    { provide: APP_PIPE, useClass: RequestValidationPipe },
    { provide: APP_FILTER, useClass: ProblemDetailsFilter },
  ],
})
export class PlatformHttpModule {}
