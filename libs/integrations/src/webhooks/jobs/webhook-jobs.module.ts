import { Module } from '@nestjs/common';
import { AuditModule } from '@itinera/audit';
import { WebhookDeliveryProcessor } from './webhook-delivery.processor';
import { WebhookDeliveryService } from './webhook-delivery.service';

/** Webhook deliveries (worker only). */
@Module({
  imports: [AuditModule],
  providers: [WebhookDeliveryService, WebhookDeliveryProcessor],
})
export class WebhookJobsModule {}
