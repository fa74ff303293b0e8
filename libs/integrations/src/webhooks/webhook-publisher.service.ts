import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AppConfig } from '@itinera/platform';
import type { Tx } from '@itinera/prisma';
import { OutboxService, WEBHOOKS_QUEUE } from '@itinera/queues';
import type { WebhookEventInput } from './webhook-events';

/**
 * Publishes domain events to the current tenant's webhook subscriptions, inside the caller's
 * transaction: one delivery row per matching active subscription plus its outbox job, so a delivery
 * exists exactly when the change it reports committed.
 *
 * The first statement asks which event types the tenant subscribes to at all (an index range of
 * its few subscription rows), so a tenant without subscriptions pays one cheap query however many
 * events a job publishes. Deliveries are then made in one INSERT … SELECT: one event id per event,
 * shared by every subscription it goes to; the payload is `{ id, type, occurredAt, tenantId, data }`.
 */
@Injectable()
export class WebhookPublisher {
  constructor(
    private readonly outbox: OutboxService,
    private readonly config: AppConfig,
  ) {}

  /** One event. */
  async publish(tx: Tx, event: WebhookEventInput): Promise<void> {
    await this.publishMany(tx, [event]);
  }

  /** Several events in set-based statements (the expiry job publishes one per expired session). */
  async publishMany(tx: Tx, events: WebhookEventInput[]): Promise<void> {
    if (events.length === 0) return;
    const [subscribed] = await tx.$queryRawUnsafe<{ types: string[] | null }[]>(
      `SELECT array_agg(DISTINCT t) AS types
         FROM webhook_subscriptions s, unnest(s.event_types) t
        WHERE s.tenant_id = app_current_tenant() AND s.active`,
    );
    const types = new Set(subscribed?.types ?? []);
    const wanted = events.filter((e) => types.has(e.type));
    if (wanted.length === 0) return;

    const occurredAt = new Date().toISOString();
    const rows = await tx.$queryRawUnsafe<{ id: string; tenant_id: string }[]>(
      `WITH events AS (
         SELECT (e->>'id')::uuid AS event_id, e->>'type' AS event_type, e->'data' AS data
           FROM jsonb_array_elements($1::jsonb) e)
       INSERT INTO webhook_deliveries (tenant_id, subscription_id, event_id, event_type, payload)
       SELECT s.tenant_id, s.id, e.event_id, e.event_type,
              jsonb_build_object('id', e.event_id, 'type', e.event_type, 'occurredAt', $2::text,
                                 'tenantId', s.tenant_id, 'data', e.data)
         FROM events e
         JOIN webhook_subscriptions s
           ON s.tenant_id = app_current_tenant() AND s.active AND e.event_type = ANY (s.event_types)
       RETURNING id, tenant_id`,
      JSON.stringify(wanted.map((e) => ({ id: randomUUID(), type: e.type, data: e.data ?? {} }))),
      occurredAt,
    );
    if (rows.length === 0) return;
    const attempts = this.config.get('WEBHOOK_MAX_ATTEMPTS', { infer: true });
    await this.outbox.enqueueMany(
      tx,
      rows.map((row) => ({
        queue: WEBHOOKS_QUEUE,
        job: 'webhook-delivery' as const,
        data: { tenantId: row.tenant_id, deliveryId: row.id },
        attempts,
      })),
    );
  }
}
