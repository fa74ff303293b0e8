import { Injectable } from '@nestjs/common';
import { Secret, TOTP } from 'otpauth';
import { AppConfig, KeyRing } from '@itinera/platform';

const PERIOD_SECONDS = 30;

/**
 * RFC 6238 time-based one-time passwords (otpauth): 6 digits, 30-second steps, SHA-1 (what
 * authenticator apps support), one step of clock drift either way. Seeds are stored encrypted
 * under the key ring, bound to their user; each accepted step is remembered so a code cannot be
 * used twice.
 */
@Injectable()
export class Totp {
  private readonly issuer: string;

  constructor(
    config: AppConfig,
    private readonly keyRing: KeyRing,
  ) {
    this.issuer = config.get('JWT_ISSUER', { infer: true });
  }

  /** A new seed: its Base32 (for manual entry), the otpauth:// URL (for a QR code), and its stored form. */
  newSeed(userId: string, email: string): { secret: string; otpauthUrl: string; encrypted: string } {
    const secret = new Secret({ size: 20 });
    const totp = this.totp(secret, email);
    return {
      secret: secret.base32,
      otpauthUrl: totp.toString(),
      encrypted: this.keyRing.encrypt(secret.base32, userId),
    };
  }

  /**
   * The time step `code` belongs to when it is valid for the stored seed and later than
   * `lastStep`; undefined otherwise.
   */
  acceptedStep(encrypted: string, userId: string, code: string, lastStep: bigint | null): bigint | undefined {
    const base32 = this.keyRing.decrypt(encrypted, userId).toString();
    const totp = this.totp(Secret.fromBase32(base32), '');
    const now = Date.now();
    const delta = totp.validate({ token: code, timestamp: now, window: 1 });
    if (delta === null) return undefined;
    const step = BigInt(Math.floor(now / 1000 / PERIOD_SECONDS) + delta);
    if (lastStep !== null && step <= lastStep) return undefined;
    return step;
  }

  private totp(secret: Secret, label: string): TOTP {
    return new TOTP({ issuer: this.issuer, label, algorithm: 'SHA1', digits: 6, period: PERIOD_SECONDS, secret });
  }
}
