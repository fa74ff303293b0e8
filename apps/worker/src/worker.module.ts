import { Module } from '@nestjs/common';
import { AppConfigModule, HealthModule, PlatformHttpModule } from '@itinera/platform';
import { DatabaseReadinessCheck, PrismaModule } from '@itinera/prisma';
import { QueuesModule, QueuesReadinessCheck, QueuesWorkerModule, RedisReadinessCheck } from '@itinera/queues';

/**
 * The worker: queue consumers, repeatable-job schedules and the outbox relay, plus each domain's
 * `<Domain>WorkerModule`. Its HTTP server only answers /health and /metrics.
 */
@Module({
  imports: [
    AppConfigModule,
    PlatformHttpModule,
    PrismaModule,
    QueuesModule,
    QueuesWorkerModule,
    HealthModule.forRoot([DatabaseReadinessCheck, RedisReadinessCheck, QueuesReadinessCheck]),
  ],
})
export class WorkerModule {}
