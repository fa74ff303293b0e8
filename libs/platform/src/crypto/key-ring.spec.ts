import { randomBytes } from 'node:crypto';
import type { ConfigService } from '@nestjs/config';
import { KeyRing } from './key-ring';

const key = () => randomBytes(32).toString('base64');
const ring = (keys: string) => new KeyRing({ get: () => keys } as unknown as ConfigService<never, true>);

describe('KeyRing', () => {
  it('round-trips under the newest key and keeps decrypting with older ones after a rotation', () => {
    const old = key();
    const before = ring(`k1:${old}`);
    const sealed = before.encrypt('seed', 'user-1');
    expect(before.keyIdOf(sealed)).toBe('k1');
    const after = ring(`k1:${old},k2:${key()}`);
    expect(after.currentKeyId).toBe('k2');
    expect(after.decrypt(sealed, 'user-1').toString()).toBe('seed');
    expect(after.keyIdOf(after.encrypt('seed', 'user-1'))).toBe('k2');
  });

  it('refuses a value moved to another owner (AAD), tampered with, or under an unknown key', () => {
    const keys = ring(`k1:${key()}`);
    const sealed = keys.encrypt('seed', 'user-1');
    expect(() => keys.decrypt(sealed, 'user-2')).toThrow();
    const parts = sealed.split('.');
    parts[3] = Buffer.from('other').toString('base64url');
    expect(() => keys.decrypt(parts.join('.'), 'user-1')).toThrow();
    expect(() => ring(`k9:${key()}`).decrypt(sealed, 'user-1')).toThrow(/key id k1/);
  });
});
