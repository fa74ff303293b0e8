import { hashPassword, PasswordHasher } from './password-hasher';
import { looksLikeApiKey, newApiKey, parseApiKey } from './api-key-format';
import type { AppConfig } from '@itinera/platform';

const hasher = (logN: number) => new PasswordHasher({ get: () => logN } as unknown as AppConfig);

describe('passwords', () => {
  it('verify only the right password, with the parameters stored beside the hash', async () => {
    const stored = await hashPassword('correct horse battery', 14);
    expect(stored).toMatch(/^scrypt\$14\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(await hasher(14).verify('correct horse battery', stored)).toBe(true);
    expect(await hasher(14).verify('wrong horse battery', stored)).toBe(false);
  });

  it('still verify hashes made at a lower cost, and say they need an upgrade', async () => {
    const stored = await hashPassword('correct horse battery', 14);
    expect(await hasher(15).verify('correct horse battery', stored)).toBe(true);
    expect(hasher(15).needsRehash(stored)).toBe(true);
    expect(hasher(14).needsRehash(stored)).toBe(false);
  });

  it('take as long for a user without a password (unknown email) and say no', async () => {
    expect(await hasher(14).verify('anything', null)).toBe(false);
  });

  it('never use the same salt twice', async () => {
    expect(await hashPassword('same', 14)).not.toBe(await hashPassword('same', 14));
  });
});

describe('API key format', () => {
  it('parses what it makes, and nothing else', () => {
    const { key, prefix, secret } = newApiKey();
    expect(looksLikeApiKey(key)).toBe(true);
    expect(parseApiKey(key)).toEqual({ prefix, secret });
    expect(parseApiKey(`${key}x`)).toBeUndefined();
    expect(parseApiKey('itk_short_secret')).toBeUndefined();
  });
});
