import { createHash } from 'node:crypto';

/** The demo tenants the identity seed creates (and every domain seed fills). */
export const DEMO_DOMAINS = ['acme-clinic', 'globex-health', 'initech-care'];

/** A digest of `text` under the demo namespace: derived values are the same on every run. */
export const digest = (text: string) => createHash('sha256').update(`itinera-demo:${text}`).digest();

/** A v4-shaped UUID derived from `name`, so seeding twice writes the same ids. */
export function demoUuid(name: string): string {
  const b = Buffer.from(digest(`uuid:${name}`).subarray(0, 16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = b.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
