import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { TextDecoder } from 'node:util';
import { contentMismatch, fileEmpty, fileTooLarge } from './attachments.errors';

/** Leading bytes each binary type must start with. */
const MAGIC: Record<string, Buffer> = {
  'application/pdf': Buffer.from('%PDF-', 'latin1'),
  'image/png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  'image/jpeg': Buffer.from([0xff, 0xd8, 0xff]),
};

/** The media type without parameters, lower-case (`Text/Plain; charset=utf-8` → `text/plain`). */
export function normalizeMediaType(value: string | undefined): string {
  return (value ?? '').split(';')[0].trim().toLowerCase();
}

/**
 * A pass-through stream between the upload and storage that computes the SHA-256 and the size of
 * exactly the bytes stored, and fails the write as soon as the bytes cannot be the declared type:
 * the magic bytes of PDF, PNG and JPEG, valid UTF-8 without NUL for text/plain (types without a
 * known check pass as they are). Also enforces the size limit itself, whatever the parser did.
 * Its errors are the problems the upload answers with (422, 413, 400).
 */
export class ContentInspector extends Transform {
  private readonly hash: Hash = createHash('sha256');
  private readonly magic?: Buffer;
  private readonly text?: TextDecoder;
  private head = Buffer.alloc(0);
  private headChecked: boolean;
  private bytes = 0;
  private digest?: Buffer;

  constructor(
    private readonly fileName: string,
    private readonly declaredType: string,
    private readonly maxBytes: number,
  ) {
    super();
    this.magic = MAGIC[declaredType];
    this.headChecked = !this.magic;
    if (declaredType === 'text/plain') this.text = new TextDecoder('utf-8', { fatal: true });
  }

  /** Bytes that went through. */
  get size(): number {
    return this.bytes;
  }

  /** SHA-256 of everything that went through; only once the stream has finished. */
  get checksum(): Buffer {
    if (!this.digest) throw new Error('the upload has not finished');
    return this.digest;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) return done(fileTooLarge(this.maxBytes));
    const problem = this.inspect(chunk);
    if (problem) return done(problem);
    this.hash.update(chunk);
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    if (this.bytes === 0) return done(fileEmpty(this.fileName));
    if (!this.headChecked) return done(this.mismatch('too short to be one'));
    if (this.text) {
      try {
        this.text.decode();
      } catch {
        return done(this.mismatch('ends inside a UTF-8 sequence'));
      }
    }
    this.digest = this.hash.digest();
    done();
  }

  private inspect(chunk: Buffer): Error | undefined {
    if (!this.headChecked && this.magic) {
      this.head = Buffer.concat([this.head, chunk.subarray(0, this.magic.length - this.head.length)]);
      if (this.head.length >= this.magic.length) {
        if (!this.head.equals(this.magic)) return this.mismatch('its leading bytes are not a signature of that type');
        this.headChecked = true;
      }
    }
    if (this.text) {
      if (chunk.includes(0)) return this.mismatch('text contains a NUL byte');
      try {
        this.text.decode(chunk, { stream: true });
      } catch {
        return this.mismatch('not valid UTF-8');
      }
    }
    return undefined;
  }

  private mismatch(reason: string): Error {
    return contentMismatch(this.fileName, this.declaredType, reason);
  }
}

/** Control and bidirectional-override characters, which have no place in a file name. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what it removes
const UNSAFE_NAME_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** The file name as stored and sent back: no directories, no control characters, at most 255 characters. */
export function sanitizeFileName(raw: string | undefined): string {
  const base = (raw ?? '').split(/[\\/]/).pop() ?? '';
  const cleaned = base.normalize('NFC').replace(UNSAFE_NAME_CHARACTERS, '').trim();
  const name = cleaned === '.' || cleaned === '..' ? '' : cleaned;
  // By code points, as PostgreSQL counts VARCHAR(255), so a surrogate pair is never cut in half.
  return Array.from(name || 'attachment')
    .slice(0, 255)
    .join('');
}

/** `Content-Disposition: attachment` with an ASCII fallback and the exact name as RFC 5987 `filename*`. */
export function contentDisposition(fileName: string): string {
  const fallback = fileName.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(fileName).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
