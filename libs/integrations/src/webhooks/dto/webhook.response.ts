import { ApiProperty } from '@nestjs/swagger';
import type { WebhookDelivery, WebhookDeliveryAttempt, WebhookSecret, WebhookSubscription } from '@prisma/client';
import { WEBHOOK_EVENT_TYPES } from '../webhook-events';
import { WEBHOOK_DELIVERY_STATUSES } from './list-deliveries.query';

export class WebhookSecretResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;
  /** The first characters of the secret (`whsec_…`), to tell secrets apart. */
  prefix!: string;
  createdAt!: Date;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  revokedAt!: Date | null;
}

/** A new secret: the only response that contains the secret itself. */
export class CreatedWebhookSecretResponse extends WebhookSecretResponse {
  /** The signing secret, shown once: `whsec_` and 32 random bytes in base64url. The HMAC key is this whole string. */
  secret!: string;
}

export class WebhookResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;
  url!: string;
  @ApiProperty({ enum: WEBHOOK_EVENT_TYPES, isArray: true })
  eventTypes!: string[];
  @ApiProperty({ type: String, nullable: true })
  description!: string | null;
  /** Deliveries are made only while active. */
  active!: boolean;
  /** Dead deliveries in a row; the subscription is disabled when it reaches the configured limit. */
  consecutiveFailures!: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  disabledAt!: Date | null;
  @ApiProperty({ type: String, nullable: true })
  disabledReason!: string | null;
  /** The signing secrets (active and revoked), without the secrets themselves. */
  @ApiProperty({ type: [WebhookSecretResponse] })
  secrets!: WebhookSecretResponse[];
  createdAt!: Date;
  updatedAt!: Date;
}

/** A new subscription, with its first signing secret shown once. */
export class CreatedWebhookResponse extends WebhookResponse {
  @ApiProperty({ type: CreatedWebhookSecretResponse })
  secret!: CreatedWebhookSecretResponse;
}

export class WebhookDeliveryAttemptResponse {
  /** 1 for the first attempt. */
  attempt!: number;
  @ApiProperty({ type: 'integer', nullable: true })
  statusCode!: number | null;
  @ApiProperty({ type: String, nullable: true })
  error!: string | null;
  durationMs!: number;
  attemptedAt!: Date;
}

export class WebhookDeliveryResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;
  @ApiProperty({ format: 'uuid' })
  subscriptionId!: string;
  /** The event's id (the `Itinera-Event-Id` header), the same for every subscription and attempt. */
  @ApiProperty({ format: 'uuid' })
  eventId!: string;
  eventType!: string;
  @ApiProperty({ enum: WEBHOOK_DELIVERY_STATUSES })
  status!: string;
  attempts!: number;
  @ApiProperty({ type: 'integer', nullable: true })
  lastStatusCode!: number | null;
  @ApiProperty({ type: String, nullable: true })
  lastError!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  deliveredAt!: Date | null;
  /** The body that is POSTed: `{ id, type, occurredAt, tenantId, data }`. */
  @ApiProperty({ type: 'object', additionalProperties: true })
  payload!: Record<string, unknown>;
  createdAt!: Date;
  updatedAt!: Date;
  /** Every attempt, oldest first. */
  @ApiProperty({ type: [WebhookDeliveryAttemptResponse] })
  attemptLog!: WebhookDeliveryAttemptResponse[];
}

export const toSecretResponse = (s: WebhookSecret): WebhookSecretResponse => ({
  id: s.id,
  prefix: s.prefix,
  createdAt: s.createdAt,
  revokedAt: s.revokedAt,
});

export const toWebhookResponse = (w: WebhookSubscription & { secrets: WebhookSecret[] }): WebhookResponse => ({
  id: w.id,
  url: w.url,
  eventTypes: w.eventTypes,
  description: w.description,
  active: w.active,
  consecutiveFailures: w.consecutiveFailures,
  disabledAt: w.disabledAt,
  disabledReason: w.disabledReason,
  secrets: w.secrets.map(toSecretResponse),
  createdAt: w.createdAt,
  updatedAt: w.updatedAt,
});

export const toAttemptResponse = (a: WebhookDeliveryAttempt): WebhookDeliveryAttemptResponse => ({
  attempt: a.attempt,
  statusCode: a.statusCode,
  error: a.error,
  durationMs: a.durationMs,
  attemptedAt: a.attemptedAt,
});

export const toDeliveryResponse = (
  d: WebhookDelivery & { attemptLog: WebhookDeliveryAttempt[] },
): WebhookDeliveryResponse => ({
  id: d.id,
  subscriptionId: d.subscriptionId,
  eventId: d.eventId,
  eventType: d.eventType,
  status: d.status,
  attempts: d.attempts,
  lastStatusCode: d.lastStatusCode,
  lastError: d.lastError,
  deliveredAt: d.deliveredAt,
  payload: d.payload as Record<string, unknown>,
  createdAt: d.createdAt,
  updatedAt: d.updatedAt,
  attemptLog: d.attemptLog.map(toAttemptResponse),
});
