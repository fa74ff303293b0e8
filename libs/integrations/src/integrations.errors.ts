import { AppError } from '@itinera/platform';

/** Codes of the problems webhooks and idempotency keys answer with. */
export enum IntegrationsErrorCode {
  /** The webhook URL is not https (or http when private targets are allowed), too long, or names a private, loopback or link-local host. */
  WebhookUrlRefused = 'WEBHOOK_URL_REFUSED',
  /** Revoking this secret would leave the subscription without an active one; add a new secret first. */
  LastWebhookSecret = 'LAST_WEBHOOK_SECRET',
  /** Only DEAD or SUCCEEDED deliveries can be redelivered; a PENDING one is still being tried. */
  DeliveryNotFinished = 'DELIVERY_NOT_FINISHED',
  /** The Idempotency-Key is empty, longer than 255 characters or not visible ASCII. */
  InvalidIdempotencyKey = 'INVALID_IDEMPOTENCY_KEY',
  /** The Idempotency-Key was already used for this operation with a different request. */
  IdempotencyKeyReused = 'IDEMPOTENCY_KEY_REUSED',
  /** The first request with this Idempotency-Key has not finished yet; retry later. */
  IdempotencyRequestInProgress = 'IDEMPOTENCY_REQUEST_IN_PROGRESS',
}

export const notFound = (what: string) => new AppError('NOT_FOUND', 404, 'Not Found', { detail: `No such ${what}.` });

export const webhookUrlRefused = (message: string) =>
  new AppError(IntegrationsErrorCode.WebhookUrlRefused, 400, 'Bad Request', {
    detail: `The webhook URL is refused: ${message}.`,
    errors: [{ field: 'url', message }],
  });
