import type { Readable } from 'node:stream';

/** What a scan found: nothing, or the name of the signature that matched. */
export type ScanVerdict = { infected: false } | { infected: true; signature: string };

/** Reads a whole object and says whether it carries malware. Throws when it cannot tell (the job retries). */
export interface AttachmentScanner {
  /** For logs: which engine answered. */
  readonly name: string;
  scan(content: Readable): Promise<ScanVerdict>;
}

/** Injection token of the configured scanner (clamd when CLAMAV_HOST is set, else the built-in EICAR scanner). */
export const ATTACHMENT_SCANNER = Symbol('ATTACHMENT_SCANNER');
