import { Module } from '@nestjs/common';
import { IdempotencyModule } from './idempotency/idempotency.module';
import { IdempotencyPurgeProcessor, IdempotencySchedules } from './idempotency/idempotency-purge.processor';
import { WebhookJobsModule } from './webhooks/jobs/webhook-jobs.module';
import { WebhooksModule } from './webhooks/webhooks.module';

/** Integrations in the worker: the publisher (for domain jobs), webhook deliveries and the idempotency-key purge. */
@Module({
  imports: [WebhooksModule, WebhookJobsModule, IdempotencyModule],
  providers: [IdempotencyPurgeProcessor, IdempotencySchedules],
  exports: [WebhooksModule, IdempotencyModule],
})
export class IntegrationsWorkerModule {}
