import { createHash, randomBytes } from 'node:crypto';

/** SHA-256 of a high-entropy secret (refresh tokens, API keys): what the database stores. */
export function sha256(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}

/** 256 random bits, URL-safe. */
export function randomSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** `length` random characters of lower-case RFC 4648 Base32 (5 bits each). */
export function randomBase32(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (let i = 0; i < length; i++) out += BASE32[bytes[i] & 31];
  return out;
}

/** A recipient link token: 32 Base32 characters, 160 random bits (the seed's "Base32 UUID", longer). */
export const LINK_TOKEN_PATTERN = /^[a-z2-7]{32}$/;

export function newLinkToken(): { token: string; hash: Buffer } {
  const token = randomBase32(32);
  return { token, hash: sha256(token) };
}
