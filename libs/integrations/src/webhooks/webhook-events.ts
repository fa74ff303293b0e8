/** Every event a tenant can subscribe a webhook to. */
export const WEBHOOK_EVENT_TYPES = [
  'workflow.created',
  'workflow.completed',
  'workflow.cancelled',
  'workflow.expired',
  'recipient.viewed',
  'recipient.completed',
  'recipient.declined',
  'recipient.expired',
  'attachment.scanned',
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** One event as a domain publishes it: ids and states only, never form data or contact details. */
export interface WebhookEventInput {
  type: WebhookEventType;
  data: Record<string, unknown>;
}
