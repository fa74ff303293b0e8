import { BlockList, isIP } from 'node:net';

/**
 * Addresses a webhook may not reach unless WEBHOOK_ALLOW_PRIVATE_TARGETS is on: private, loopback,
 * link-local, unspecified, carrier-grade NAT, multicast and reserved ranges, which would let a
 * tenant make the server call into its own network (SSRF).
 */
const refused = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network", 0.0.0.0 unspecified
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata endpoints
  ['172.16.0.0', 12],
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  refused.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
  ['64:ff9b::', 96], // NAT64 reaches IPv4 behind it
] as const) {
  refused.addSubnet(network, prefix, 'ipv6');
}

/** `::ffff:10.0.0.1` (IPv4-mapped) is judged as `10.0.0.1`. */
function unmapped(address: string): { address: string; family: 4 | 6 } {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return { address: mapped[1], family: 4 };
  return { address, family: isIP(address) === 4 ? 4 : 6 };
}

/** True when `address` (an IP literal) is one a webhook must not reach by default. */
export function isRefusedAddress(address: string): boolean {
  if (!isIP(address)) return true;
  const { address: ip, family } = unmapped(address);
  return refused.check(ip, family === 4 ? 'ipv4' : 'ipv6');
}

/** The host of a URL as an IP literal (`[::1]` -> `::1`), or undefined when it is a name. */
export function ipLiteralOf(hostname: string): string | undefined {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  return isIP(bare) ? bare : undefined;
}

export const MAX_WEBHOOK_URL_LENGTH = 2000;

/**
 * Checks a subscription URL when it is created or changed: https (http too when private targets
 * are allowed), no credentials, at most 2,000 characters, and no host that is visibly private (an
 * IP literal in a refused range, `localhost`). Names are resolved again at every delivery, since
 * DNS may change. Returns the problem, or undefined when the URL is acceptable.
 */
export function webhookUrlProblem(value: string, allowPrivate: boolean): string | undefined {
  if (value.length > MAX_WEBHOOK_URL_LENGTH) return `must be at most ${MAX_WEBHOOK_URL_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.protocol !== 'https:' && !(allowPrivate && url.protocol === 'http:')) {
    return allowPrivate ? 'must be an http or https URL' : 'must be an https URL';
  }
  if (url.username || url.password) return 'must not carry credentials';
  if (!url.hostname) return 'must name a host';
  if (allowPrivate) return undefined;
  const literal = ipLiteralOf(url.hostname);
  if (literal && isRefusedAddress(literal)) return 'names a private, loopback or link-local address';
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return 'names a private, loopback or link-local address';
  return undefined;
}
