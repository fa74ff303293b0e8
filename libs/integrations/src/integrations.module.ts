import { Module } from '@nestjs/common';
import { IdempotencyModule } from './idempotency/idempotency.module';
import { WebhooksModule } from './webhooks/webhooks.module';

/**
 * Integration surfaces every domain uses: webhooks and idempotency keys. They sit in their own
 * library, not in libs/platform, because they need the database and the outbox, which libs/platform
 * sits below.
 */
@Module({
  imports: [WebhooksModule, IdempotencyModule],
  exports: [WebhooksModule, IdempotencyModule],
})
export class IntegrationsModule {}
