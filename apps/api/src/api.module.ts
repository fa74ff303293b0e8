import { DynamicModule, Module } from '@nestjs/common';
import { AppConfigModule, HealthModule, PlatformHttpModule, type AppEnvironment } from '@itinera/platform';
import { DatabaseReadinessCheck, PrismaModule } from '@itinera/prisma';
import { AuditHttpModule } from '@itinera/audit';
import { IdentityModule } from '@itinera/identity';
import { IntegrationsModule } from '@itinera/integrations';
import { PatientRepositoryModule } from '@itinera/patient-repository';
import { RecipientsModule } from '@itinera/recipients';
import { WorkflowsModule } from '@itinera/workflows';
import { QueuesHttpModule, QueuesModule, QueuesReadinessCheck, RedisReadinessCheck } from '@itinera/queues';

/** The HTTP API: platform surfaces plus each domain's `<Domain>HttpModule`. It produces jobs only through the outbox. */
@Module({})
export class ApiModule {
  static forRoot(env: AppEnvironment): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        AppConfigModule.forRoot(env),
        PlatformHttpModule,
        PrismaModule,
        QueuesModule,
        QueuesHttpModule,
        IdentityModule,
        AuditHttpModule,
        IntegrationsModule,
        WorkflowsModule,
        RecipientsModule,
        PatientRepositoryModule,
        HealthModule.forRoot([DatabaseReadinessCheck, RedisReadinessCheck, QueuesReadinessCheck]),
      ],
    };
  }
}
