import { Module } from '@nestjs/common';
import { AppConfigModule, HealthModule, PlatformHttpModule } from '@itinera/platform';
import { DatabaseReadinessCheck, PrismaModule } from '@itinera/prisma';
import { QueuesHttpModule, QueuesModule, QueuesReadinessCheck, RedisReadinessCheck } from '@itinera/queues';

/** The HTTP API: platform surfaces plus each domain's `<Domain>HttpModule`. It produces jobs only through the outbox. */
@Module({
  imports: [
    AppConfigModule,
    PlatformHttpModule,
    PrismaModule,
    QueuesModule,
    QueuesHttpModule,
    HealthModule.forRoot([DatabaseReadinessCheck, RedisReadinessCheck, QueuesReadinessCheck]),
  ],
})
export class ApiModule {}
