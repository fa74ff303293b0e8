import { Global, Module } from '@nestjs/common';
import { WebhookPublisher } from './webhook-publisher.service';

/** The publisher every domain calls inside its transactions (API and worker). */
@Global()
@Module({
  providers: [WebhookPublisher],
  exports: [WebhookPublisher],
})
export class WebhooksModule {}
