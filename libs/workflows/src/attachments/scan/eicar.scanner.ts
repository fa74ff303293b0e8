import type { Readable } from 'node:stream';
import type { AttachmentScanner, ScanVerdict } from './attachment-scanner';

/** The EICAR anti-virus test file's signature (harmless by design; every scanner reports it). */
export const EICAR_SIGNATURE = Buffer.from(
  'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*',
  'latin1',
);

/** The name clamd gives it, so both scanners record the same detail. */
export const EICAR_NAME = 'Eicar-Signature';

/**
 * The built-in scanner: finds the EICAR test signature anywhere in the stream, including across
 * chunk boundaries (the last signature-length-minus-one bytes of each chunk are kept for the next).
 * It is a stand-in that proves the scan path end to end, not anti-virus: configure CLAMAV_HOST for that.
 */
export class EicarScanner implements AttachmentScanner {
  readonly name = 'builtin-eicar';

  async scan(content: Readable): Promise<ScanVerdict> {
    let carry = Buffer.alloc(0);
    for await (const chunk of content) {
      const data = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
      const window = carry.length ? Buffer.concat([carry, data]) : data;
      if (window.includes(EICAR_SIGNATURE)) {
        content.destroy();
        return { infected: true, signature: EICAR_NAME };
      }
      carry = Buffer.from(window.subarray(Math.max(0, window.length - (EICAR_SIGNATURE.length - 1))));
    }
    return { infected: false };
  }
}
