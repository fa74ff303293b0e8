import { Controller, Get, Inject } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheckService, HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { AppError, PlatformErrorCode } from '../errors/app-error';
import { Public } from '../auth/route-access';
import { SkipRateLimit } from '../http/rate-limit';
import { ApiProblems } from '../openapi/api-responses';
import { withTimeout } from '../util/with-timeout';
import { DependencyStatus, HealthResponse } from './health.response';
import { READINESS_CHECKS, READINESS_TIMEOUT_MS, type ReadinessCheck } from './readiness-check';

@ApiTags('operations')
@ApiExtraModels(DependencyStatus)
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(READINESS_CHECKS) private readonly checks: ReadinessCheck[],
  ) {}

  /** Liveness: the process answers. Checks no dependency, so a database outage never restarts it. */
  @Get('live')
  @SkipRateLimit()
  @ApiOperation({ summary: 'Liveness probe' })
  @ApiOkResponse({ type: HealthResponse })
  live(): HealthResponse {
    return { status: 'ok' };
  }

  /** Readiness: every dependency (database, Redis, queues) answers; 503 names the ones that do not. */
  @Get('ready')
  @SkipRateLimit()
  @ApiOperation({ summary: 'Readiness probe' })
  @ApiOkResponse({ type: HealthResponse })
  @ApiProblems({ 503: 'A dependency is down; `checks` says which.' })
  async ready(): Promise<HealthResponse> {
    const results = await Promise.all(this.checks.map((c) => this.probe(c)));
    const checks = Object.assign({}, ...results) as Record<string, DependencyStatus>;
    // Terminus aggregates the results; its own 503 body is replaced by the one problem shape.
    const outcome = await this.health.check(results.map((r) => () => r)).catch(() => undefined);
    if (!outcome) {
      const down = Object.entries(checks)
        .filter(([, s]) => s.status === 'down')
        .map(([name]) => name);
      throw new AppError(PlatformErrorCode.ServiceUnavailable, 503, 'Service Unavailable', {
        detail: `Not ready: ${down.join(', ')} down.`,
        extensions: { checks },
        headers: { 'retry-after': '5' },
      });
    }
    return { status: 'ok', checks };
  }

  private async probe(check: ReadinessCheck): Promise<HealthIndicatorResult> {
    const session = this.indicators.check(check.name);
    try {
      await withTimeout(check.check(), READINESS_TIMEOUT_MS);
      return session.up();
    } catch (error) {
      return session.down({
        message: error instanceof Error ? error.message : String(error),
      });
    }
  }
}
