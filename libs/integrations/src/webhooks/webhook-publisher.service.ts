import { Injectable } from '@nestjs/common';
import type { Tx } from '@itinera/prisma';
import type { WebhookEventInput } from './webhook-events';

/**
 * Publishes domain events to the current tenant's webhook subscriptions, inside the caller's
 * transaction: one delivery row per matching active subscription plus its outbox job, so a delivery
 * exists exactly when the change it reports committed.
 */
@Injectable()
export class WebhookPublisher {
  /** One event. */
  async publish(tx: Tx, event: WebhookEventInput): Promise<void> {
    await this.publishMany(tx, [event]);
  }

  /** Several events in set-based statements (the expiry job publishes one per expired session). */
  async publishMany(_tx: Tx, _events: WebhookEventInput[]): Promise<void> {
    // Implemented with the webhook deliveries (issue 4, integrations).
  }
}
