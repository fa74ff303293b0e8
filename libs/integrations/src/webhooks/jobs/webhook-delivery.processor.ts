import { Process, Processor } from '@nestjs/bull';
import type { Job } from 'bull';
import { inJobContext, WEBHOOKS_QUEUE, type WebhookDeliveryData } from '@itinera/queues';
import { WebhookAttemptFailed, WebhookDeliveryService, type AttemptOutcome } from './webhook-delivery.service';

/** Deliveries wait on receivers' answers (up to WEBHOOK_TIMEOUT_MS each), so several run at once. */
const DELIVERY_CONCURRENCY = 10;

/** Webhook deliveries (worker only): one attempt per job run; Bull's retries with backoff are the next attempts. */
@Processor(WEBHOOKS_QUEUE)
export class WebhookDeliveryProcessor {
  constructor(private readonly deliveries: WebhookDeliveryService) {}

  @Process({ name: 'webhook-delivery', concurrency: DELIVERY_CONCURRENCY })
  async deliver(job: Job<WebhookDeliveryData>): Promise<AttemptOutcome> {
    if (!job.data?.tenantId || !job.data.deliveryId) {
      await job.discard();
      throw new Error('webhook-delivery job without tenantId and deliveryId');
    }
    const isLastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    const outcome = await inJobContext(job, () => this.deliveries.attempt(job.data.deliveryId, isLastAttempt));
    // Recorded already; throwing makes Bull retry with backoff (or keep the job as failed after the last attempt).
    if (outcome.outcome === 'failed') throw new WebhookAttemptFailed(outcome.error);
    return outcome;
  }
}
