import { Module } from '@nestjs/common';
import { AuditModule } from '@itinera/audit';
import { WebhooksController } from './webhooks.controller';
import { WebhooksService } from './webhooks.service';

/** Webhook subscriptions, secrets and deliveries over HTTP (apps/api only). */
@Module({
  imports: [AuditModule],
  controllers: [WebhooksController],
  providers: [WebhooksService],
})
export class WebhooksHttpModule {}
