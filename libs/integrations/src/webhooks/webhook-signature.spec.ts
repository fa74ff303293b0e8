import { newWebhookSecret, verifyWebhookSignature, webhookSignatureHeader } from './webhook-signature';

describe('webhook signatures', () => {
  const body = JSON.stringify({ id: 'e1', type: 'workflow.created' });
  const now = () => Math.floor(Date.now() / 1000);

  it('verifies a signature made with any of the active secrets', () => {
    const [a, b] = [newWebhookSecret(), newWebhookSecret()];
    const ts = now();
    const header = webhookSignatureHeader([a, b], ts, body);
    expect(header.split(',')).toHaveLength(2);
    expect(verifyWebhookSignature(a, header, ts, body)).toBe(true);
    expect(verifyWebhookSignature(b, header, String(ts), Buffer.from(body))).toBe(true);
    expect(verifyWebhookSignature(newWebhookSecret(), header, ts, body)).toBe(false);
  });

  it('refuses a changed body, a changed timestamp and an old timestamp', () => {
    const secret = newWebhookSecret();
    const ts = now();
    const header = webhookSignatureHeader([secret], ts, body);
    expect(verifyWebhookSignature(secret, header, ts, `${body} `)).toBe(false);
    expect(verifyWebhookSignature(secret, header, ts + 1, body)).toBe(false);
    const old = ts - 3600;
    expect(verifyWebhookSignature(secret, webhookSignatureHeader([secret], old, body), old, body, 300)).toBe(false);
    expect(verifyWebhookSignature(secret, 'v1=zz,v0=abc', ts, body)).toBe(false);
    expect(verifyWebhookSignature(secret, undefined, ts, body)).toBe(false);
  });
});
