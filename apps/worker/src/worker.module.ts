import { DynamicModule, Module } from '@nestjs/common';
import { AppConfigModule, HealthModule, PlatformHttpModule, type AppEnvironment } from '@itinera/platform';
import { DatabaseReadinessCheck, PrismaModule } from '@itinera/prisma';
import { IntegrationsWorkerModule } from '@itinera/integrations';
import { PatientRepositoryWorkerModule } from '@itinera/patient-repository';
import { RecipientsWorkerModule } from '@itinera/recipients';
import { WorkflowsWorkerModule } from '@itinera/workflows';
import { QueuesModule, QueuesReadinessCheck, QueuesWorkerModule, RedisReadinessCheck } from '@itinera/queues';

/**
 * The worker: queue consumers, repeatable-job schedules and the outbox relay, plus each domain's
 * `<Domain>WorkerModule`. Its HTTP server only answers /health and /metrics.
 */
@Module({})
export class WorkerModule {
  static forRoot(env: AppEnvironment): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        AppConfigModule.forRoot(env),
        PlatformHttpModule,
        PrismaModule,
        QueuesModule,
        QueuesWorkerModule,
        IntegrationsWorkerModule,
        WorkflowsWorkerModule,
        RecipientsWorkerModule,
        PatientRepositoryWorkerModule,
        HealthModule.forRoot([DatabaseReadinessCheck, RedisReadinessCheck, QueuesReadinessCheck]),
      ],
    };
  }
}
