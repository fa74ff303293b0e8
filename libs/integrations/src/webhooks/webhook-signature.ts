import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** A new signing secret: `whsec_` and 32 random bytes in base64url. The HMAC key is the whole string (UTF-8). */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

/** The characters of a secret shown again later, to tell secrets apart (never enough to sign). */
export function webhookSecretPrefix(secret: string): string {
  return secret.slice(0, 12);
}

/** hex HMAC-SHA-256 of `<timestamp>.<body>` under `secret`. */
export function webhookSignature(secret: string, timestamp: number | string, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

/** The `Itinera-Signature` header: one `v1=<hex>` per active secret, comma separated. */
export function webhookSignatureHeader(secrets: string[], timestamp: number, body: string): string {
  return secrets.map((secret) => `v1=${webhookSignature(secret, timestamp, body)}`).join(',');
}

/**
 * For receivers (and tests): true when one of the `v1=` signatures in `header` is the HMAC of
 * `timestamp.body` under `secret`, and `timestamp` (unix seconds, the `Itinera-Timestamp` header)
 * is within `toleranceSeconds` of now (replay protection). `body` must be the raw request body.
 */
export function verifyWebhookSignature(
  secret: string,
  header: string | undefined,
  timestamp: string | number | undefined,
  body: string | Buffer,
  toleranceSeconds = 300,
): boolean {
  if (!header || timestamp === undefined) return false;
  const seconds = Number(timestamp);
  if (!Number.isInteger(seconds) || Math.abs(Date.now() / 1000 - seconds) > toleranceSeconds) return false;
  const expected = Buffer.from(webhookSignature(secret, String(timestamp), body.toString()), 'hex');
  return header.split(',').some((entry) => {
    const [version, value] = entry.trim().split('=', 2);
    if (version !== 'v1' || !value || !/^[0-9a-f]{64}$/i.test(value)) return false;
    return timingSafeEqual(Buffer.from(value, 'hex'), expected);
  });
}
