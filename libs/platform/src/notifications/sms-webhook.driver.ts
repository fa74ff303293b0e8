import { randomUUID } from 'node:crypto';
import type { NotificationDriver, NotificationReceipt, OutgoingNotification } from './notification-transport';

/** How long the SMS provider's hook may take to answer before the send fails (and is retried). */
export const SMS_WEBHOOK_TIMEOUT_MS = 10_000;

/**
 * SMS through a provider hook (SMS_WEBHOOK_URL): POSTs `{ to, body }` as JSON. Any answer but 2xx,
 * a redirect included, or no answer within the timeout is a failure. The provider's message id is
 * taken from a JSON answer's `id` or `messageId` when there is one.
 */
export class SmsWebhookDriver implements NotificationDriver {
  readonly name = 'sms-webhook';

  constructor(
    private readonly url: string,
    private readonly timeoutMs = SMS_WEBHOOK_TIMEOUT_MS,
  ) {}

  async send(message: OutgoingNotification): Promise<NotificationReceipt> {
    let response: Response;
    try {
      response = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ to: message.to, body: message.text }),
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      // Checked by name: fetch's errors may come from another realm (DOMException), where instanceof fails.
      const failure = error as { name?: string; message?: string; cause?: { message?: string } };
      const reason =
        failure?.name === 'TimeoutError' || failure?.name === 'AbortError'
          ? `no answer within ${this.timeoutMs} ms`
          : (failure?.cause?.message ?? failure?.message ?? String(error));
      throw new Error(`SMS hook failed: ${reason}`);
    }
    const body = await response.text().catch(() => '');
    if (response.status < 200 || response.status >= 300) {
      throw new Error(`SMS hook answered HTTP ${response.status}`);
    }
    return { providerMessageId: providerIdOf(body) ?? `sms-${randomUUID()}` };
  }
}

function providerIdOf(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { id?: unknown; messageId?: unknown };
    const id = parsed?.messageId ?? parsed?.id;
    return typeof id === 'string' || typeof id === 'number' ? String(id).slice(0, 200) : undefined;
  } catch {
    return undefined;
  }
}
