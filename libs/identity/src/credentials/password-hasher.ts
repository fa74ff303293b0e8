import { Injectable } from '@nestjs/common';
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { AppConfig } from '@itinera/platform';

const scryptAsync = (password: string, salt: Buffer, length: number, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) =>
    scrypt(password, salt, length, options, (error, key) => (error ? reject(error) : resolve(key))),
  );

const KEY_LENGTH = 32;
const BLOCK_SIZE = 8;
const PARALLELISM = 1;

const scryptOptions = (logN: number): ScryptOptions => {
  const N = 2 ** logN;
  // scrypt needs 128 * N * r bytes; Node refuses more than 32 MiB unless told.
  return { N, r: BLOCK_SIZE, p: PARALLELISM, maxmem: 256 * N * BLOCK_SIZE };
};

/** `password` hashed at cost 2^logN, in the stored form (also used by the seed). */
export async function hashPassword(password: string, logN: number): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, KEY_LENGTH, scryptOptions(logN));
  return ['scrypt', logN, BLOCK_SIZE, PARALLELISM, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/**
 * Passwords hashed with scrypt (memory-hard; Node's crypto, no dependency) and a per-user salt,
 * stored as `scrypt$<log2 N>$<r>$<p>$<salt>$<hash>` so the cost can be raised later: hashes made
 * with a lower cost still verify, and `needsRehash` tells sign-in to upgrade them.
 */
@Injectable()
export class PasswordHasher {
  private readonly logN: number;
  /** A hash of nothing, verified when the email is unknown so that both answers take as long. */
  private decoy?: Promise<string>;

  constructor(config: AppConfig) {
    this.logN = config.get('PASSWORD_SCRYPT_LOG_N', { infer: true });
  }

  hash(password: string): Promise<string> {
    return hashPassword(password, this.logN);
  }

  async verify(password: string, stored: string | null | undefined): Promise<boolean> {
    if (!stored) {
      this.decoy ??= this.hash('decoy password');
      await this.verify(password, await this.decoy);
      return false;
    }
    const [scheme, logN, r, p, salt, expected] = stored.split('$');
    if (scheme !== 'scrypt' || !expected) return false;
    const expectedKey = Buffer.from(expected, 'base64url');
    const key = await scryptAsync(password, Buffer.from(salt, 'base64url'), expectedKey.length, {
      ...scryptOptions(Number(logN)),
      r: Number(r),
      p: Number(p),
    });
    return timingSafeEqual(key, expectedKey);
  }

  needsRehash(stored: string): boolean {
    const [scheme, logN] = stored.split('$');
    return scheme !== 'scrypt' || Number(logN) < this.logN;
  }
}
