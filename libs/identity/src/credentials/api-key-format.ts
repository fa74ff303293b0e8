import { randomBase32, randomSecret } from '@itinera/platform';

/**
 * API keys look like `itk_<prefix>_<secret>`: the 12-character Base32 prefix is stored in clear
 * (to find the key and to show which key is which), the 256-bit secret only as its SHA-256.
 */
const API_KEY = /^itk_([a-z2-7]{12})_([A-Za-z0-9_-]{43})$/;

export function newApiKey(): { key: string; prefix: string; secret: string } {
  const prefix = randomBase32(12);
  const secret = randomSecret(32);
  return { key: `itk_${prefix}_${secret}`, prefix, secret };
}

export function parseApiKey(key: string): { prefix: string; secret: string } | undefined {
  const match = API_KEY.exec(key);
  return match ? { prefix: match[1], secret: match[2] } : undefined;
}

export function looksLikeApiKey(credential: string): boolean {
  return credential.startsWith('itk_');
}
