import { Injectable, Logger } from '@nestjs/common';
import type { WebhookDelivery, WebhookSubscription } from '@prisma/client';
import { AppConfig, KeyRing } from '@itinera/platform';
import { PrismaService } from '@itinera/prisma';
import { AuditService } from '@itinera/audit';
import { postWebhook, type WebhookResponse } from '../outbound/webhook-http-client';
import { webhookSignatureHeader } from '../webhook-signature';

/** What one attempt came to, for the processor (which rethrows failures so Bull retries). */
export type AttemptOutcome =
  | { outcome: 'skipped'; reason: string }
  | { outcome: 'succeeded'; statusCode: number }
  | { outcome: 'failed'; error: string; dead: boolean };

/** Thrown by the processor after a failed attempt is recorded, so Bull retries with backoff. */
export class WebhookAttemptFailed extends Error {
  override readonly name = 'WebhookAttemptFailed';
}

/**
 * One attempt at one delivery (worker only), in the job's tenant scope. Re-reads the delivery and
 * returns early when there is nothing to do (already SUCCEEDED or DEAD, subscription gone or
 * disabled), so a rerun is harmless. The HTTP call happens outside any transaction; its outcome is
 * then recorded in one: the attempt row, the delivery's state, and the subscription's run of
 * failures (disabling it after WEBHOOK_DISABLE_AFTER_FAILURES dead deliveries in a row).
 */
@Injectable()
export class WebhookDeliveryService {
  private readonly logger = new Logger(WebhookDeliveryService.name);

  constructor(
    private readonly prisma: PrismaService,
    private readonly keyRing: KeyRing,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
  ) {}

  async attempt(deliveryId: string, isLastAttempt: boolean): Promise<AttemptOutcome> {
    const delivery = await this.prisma.scoped.webhookDelivery.findUnique({
      where: { id: deliveryId },
      include: {
        subscription: { include: { secrets: { where: { revokedAt: null }, orderBy: { createdAt: 'asc' } } } },
      },
    });
    if (!delivery) return { outcome: 'skipped', reason: 'no such delivery' };
    if (delivery.status !== 'PENDING') return { outcome: 'skipped', reason: `delivery is ${delivery.status}` };
    const subscription = delivery.subscription;
    if (!subscription.active) {
      await this.prisma.scoped.webhookDelivery.updateMany({
        where: { id: deliveryId, status: 'PENDING' },
        data: { status: 'DEAD', lastError: 'the subscription is disabled' },
      });
      return { outcome: 'skipped', reason: 'subscription disabled' };
    }

    const secrets = subscription.secrets.map((s) => this.keyRing.decrypt(s.secretEncrypted, s.id).toString('utf8'));
    const body = JSON.stringify(delivery.payload);
    const timestamp = Math.floor(Date.now() / 1000);
    const response = await postWebhook({
      url: subscription.url,
      body,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Itinera-Webhooks/1',
        'itinera-event-id': delivery.eventId,
        'itinera-event-type': delivery.eventType,
        'itinera-timestamp': String(timestamp),
        'itinera-signature': webhookSignatureHeader(secrets, timestamp, body),
      },
      timeoutMs: this.config.get('WEBHOOK_TIMEOUT_MS', { infer: true }),
      allowPrivateTargets: this.config.get('WEBHOOK_ALLOW_PRIVATE_TARGETS', { infer: true }),
    });
    return this.record(delivery, subscription, response, isLastAttempt);
  }

  private async record(
    delivery: WebhookDelivery,
    subscription: WebhookSubscription,
    response: WebhookResponse,
    isLastAttempt: boolean,
  ): Promise<AttemptOutcome> {
    const succeeded = response.error === undefined;
    const dead = !succeeded && isLastAttempt;
    const disableAfter = this.config.get('WEBHOOK_DISABLE_AFTER_FAILURES', { infer: true });
    await this.prisma.tenantTransaction(async (tx) => {
      // Only a PENDING delivery moves (a concurrent run of the same job records nothing twice).
      const [updated] = await tx.$queryRawUnsafe<{ attempts: number }[]>(
        `UPDATE webhook_deliveries
            SET attempts = attempts + 1, last_status_code = $2, last_error = $3,
                status = $4::"WebhookDeliveryStatus", delivered_at = CASE WHEN $5 THEN now() ELSE delivered_at END
          WHERE id = $1::uuid AND status = 'PENDING'
          RETURNING attempts`,
        delivery.id,
        response.statusCode ?? null,
        response.error ?? null,
        succeeded ? 'SUCCEEDED' : dead ? 'DEAD' : 'PENDING',
        succeeded,
      );
      if (!updated) return;
      await tx.webhookDeliveryAttempt.create({
        data: {
          tenantId: delivery.tenantId,
          deliveryId: delivery.id,
          attempt: updated.attempts,
          statusCode: response.statusCode ?? null,
          error: response.error ?? null,
          durationMs: response.durationMs,
        },
      });
      if (succeeded) {
        await tx.webhookSubscription.updateMany({
          where: { id: subscription.id, consecutiveFailures: { not: 0 } },
          data: { consecutiveFailures: 0 },
        });
        return;
      }
      if (!dead) return;
      const [counted] = await tx.$queryRawUnsafe<{ consecutive_failures: number; active: boolean }[]>(
        `UPDATE webhook_subscriptions SET consecutive_failures = consecutive_failures + 1
          WHERE id = $1::uuid RETURNING consecutive_failures, active`,
        subscription.id,
      );
      if (counted && counted.active && counted.consecutive_failures >= disableAfter) {
        const reason = `${counted.consecutive_failures} deliveries in a row failed (last: ${response.error})`.slice(
          0,
          500,
        );
        const disabled = await tx.webhookSubscription.update({
          where: { id: subscription.id },
          data: { active: false, disabledAt: new Date(), disabledReason: reason },
        });
        await this.audit.record(tx, {
          action: 'webhook.disabled',
          resourceType: 'webhook',
          resourceId: subscription.id,
          before: { active: true },
          after: { active: false, disabledAt: disabled.disabledAt, disabledReason: reason },
          metadata: { deliveryId: delivery.id, consecutiveFailures: counted.consecutive_failures },
        });
        this.logger.warn({ subscriptionId: subscription.id }, 'webhook subscription disabled after repeated failures');
      }
    });
    if (succeeded) return { outcome: 'succeeded', statusCode: response.statusCode! };
    return { outcome: 'failed', error: response.error!, dead };
  }
}
