import { Module } from '@nestjs/common';
import { IdempotencyModule } from './idempotency/idempotency.module';
import { WebhooksHttpModule } from './webhooks/webhooks-http.module';
import { WebhooksModule } from './webhooks/webhooks.module';

/**
 * Integration surfaces every domain uses (apps/api): webhooks (the publisher and the subscription
 * routes) and idempotency keys. They sit in their own library, not in libs/platform, because they
 * need the database and the outbox, which libs/platform sits below.
 */
@Module({
  imports: [WebhooksModule, WebhooksHttpModule, IdempotencyModule],
  exports: [WebhooksModule, IdempotencyModule],
})
export class IntegrationsModule {}
