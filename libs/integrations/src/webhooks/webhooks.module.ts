import { Global, Module } from '@nestjs/common';
import { WebhookPublisher } from './webhook-publisher.service';

/** Webhook subscriptions (HTTP) and the publisher every domain calls inside its transactions. */
@Global()
@Module({
  providers: [WebhookPublisher],
  exports: [WebhookPublisher],
})
export class WebhooksModule {}
