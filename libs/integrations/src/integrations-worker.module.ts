import { Module } from '@nestjs/common';
import { WebhooksModule } from './webhooks/webhooks.module';

/** Integrations in the worker: webhook deliveries and the idempotency-key purge. */
@Module({
  imports: [WebhooksModule],
})
export class IntegrationsWorkerModule {}
