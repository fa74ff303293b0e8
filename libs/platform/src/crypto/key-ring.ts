import { Injectable } from '@nestjs/common';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ConfigService } from '@nestjs/config';
import type { AppEnvironment } from '../config/config.schema';

const FORMAT = 'k1';

/**
 * AES-256-GCM encryption under a ring of keys from ENCRYPTION_KEYS (`id:base64,...`, newest last).
 * New values use the newest key; each value carries its key id, so older keys keep decrypting
 * until everything has been re-encrypted and they can be dropped. `aad` binds a value to its place
 * (e.g. the user id), so a ciphertext copied to another row does not decrypt.
 */
@Injectable()
export class KeyRing {
  private readonly keys = new Map<string, Buffer>();
  private readonly newestId: string;

  // ConfigService rather than AppConfig: app-config.module provides this class (no import cycle).
  constructor(config: ConfigService<AppEnvironment, true>) {
    const entries = config
      .get('ENCRYPTION_KEYS', { infer: true })
      .split(',')
      .map((entry) => entry.split(':') as [string, string]);
    for (const [id, key] of entries) this.keys.set(id, Buffer.from(key, 'base64'));
    this.newestId = entries[entries.length - 1][0];
  }

  /** The id new values are encrypted under. */
  get currentKeyId(): string {
    return this.newestId;
  }

  encrypt(plaintext: string | Buffer, aad = ''): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.newestId)!, iv);
    cipher.setAAD(Buffer.from(aad));
    const data = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    const parts = [iv, data, cipher.getAuthTag()].map((b) => b.toString('base64url'));
    return [FORMAT, this.newestId, ...parts].join('.');
  }

  decrypt(value: string, aad = ''): Buffer {
    const [format, keyId, iv, data, tag] = value.split('.');
    const key = this.keys.get(keyId);
    if (format !== FORMAT || !key || !iv || !data || !tag) {
      throw new Error(`Cannot decrypt: unknown format or key id ${keyId ?? '(none)'}`);
    }
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(aad));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]);
  }

  /** The key id a stored value was encrypted under (for re-encryption after a rotation). */
  keyIdOf(value: string): string | undefined {
    return value.split('.')[1];
  }
}
