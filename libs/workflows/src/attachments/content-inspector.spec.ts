import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '@itinera/platform';
import { ContentInspector, contentDisposition, normalizeMediaType, sanitizeFileName } from './content-inspector';

/** Runs `chunks` through an inspector; resolves with it, or rejects with its problem. */
async function inspect(type: string, chunks: Buffer[], maxBytes = 1_000_000): Promise<ContentInspector> {
  const inspector = new ContentInspector('file.bin', type, maxBytes);
  await pipeline(Readable.from(chunks), inspector, new Writable({ write: (_c, _e, done) => done() }));
  return inspector;
}

const statusOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'ok',
    (e: unknown) => (e instanceof AppError ? e.status : String(e)),
  );

describe('ContentInspector', () => {
  it('hashes and counts exactly the bytes that pass, however they are chunked', async () => {
    const data = Buffer.from('%PDF-1.7 some content');
    const inspector = await inspect('application/pdf', [data.subarray(0, 2), data.subarray(2, 3), data.subarray(3)]);
    expect(inspector.size).toBe(data.length);
    expect(inspector.checksum.equals(createHash('sha256').update(data).digest())).toBe(true);
  });

  it.each([
    ['application/pdf', [Buffer.from('%PDF-')], 'ok'],
    ['application/pdf', [Buffer.from('%P'), Buffer.from('DF-1')], 'ok'],
    ['application/pdf', [Buffer.from('%PDX-1')], 422],
    ['application/pdf', [Buffer.from('%PD')], 422],
    ['image/png', [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0])], 'ok'],
    ['image/png', [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0b])], 422],
    ['image/jpeg', [Buffer.from([0xff]), Buffer.from([0xd8, 0xff, 0xdb])], 'ok'],
    ['image/jpeg', [Buffer.from([0xff, 0xd8, 0xfe])], 422],
    ['text/plain', [Buffer.from('héllo'), Buffer.from(' wörld')], 'ok'],
    ['text/plain', [Buffer.from([0xc3]), Buffer.from([0xa9])], 'ok'],
    ['text/plain', [Buffer.from([0xc3])], 422],
    ['text/plain', [Buffer.from([0xff])], 422],
    ['text/plain', [Buffer.from('a\u0000b')], 422],
    ['application/x-unknown', [Buffer.from('anything')], 'ok'],
    ['text/plain', [], 400],
  ])('%s %j → %s', async (type, chunks, expected) => {
    expect(await statusOf(inspect(type, chunks as Buffer[]))).toBe(expected);
  });

  it('refuses more than maxBytes with 413', async () => {
    expect(await statusOf(inspect('text/plain', [Buffer.alloc(6, 'a'), Buffer.alloc(5, 'b')], 10))).toBe(413);
    expect(await statusOf(inspect('text/plain', [Buffer.alloc(10, 'a')], 10))).toBe('ok');
  });
});

describe('file names', () => {
  it.each([
    ['report.pdf', 'report.pdf'],
    ['../../etc/passwd', 'passwd'],
    ['C:\\Users\\me\\scan.png', 'scan.png'],
    ['  spaced  .txt ', 'spaced  .txt'],
    ['evil\u202Etxt.exe', 'eviltxt.exe'],
    ['line\r\nbreak.txt', 'linebreak.txt'],
    ['..', 'attachment'],
    ['', 'attachment'],
    [undefined, 'attachment'],
    ['dir/', 'attachment'],
  ])('sanitizes %j to %j', (raw, expected) => {
    expect(sanitizeFileName(raw)).toBe(expected);
  });

  it('keeps at most 255 characters without cutting a surrogate pair', () => {
    const name = sanitizeFileName('😀'.repeat(300));
    expect(Array.from(name)).toHaveLength(255);
    expect(name).toBe('😀'.repeat(255));
  });

  it('writes Content-Disposition with an ASCII fallback and the RFC 5987 name', () => {
    expect(contentDisposition('report.pdf')).toBe(`attachment; filename="report.pdf"; filename*=UTF-8''report.pdf`);
    expect(contentDisposition('Ünïcode "q" 100%.pdf')).toBe(
      `attachment; filename="_n_code _q_ 100_.pdf"; filename*=UTF-8''%C3%9Cn%C3%AFcode%20%22q%22%20100%25.pdf`,
    );
    expect(contentDisposition("it's (1).txt")).toBe(
      `attachment; filename="it's (1).txt"; filename*=UTF-8''it%27s%20%281%29.txt`,
    );
  });

  it('normalizes media types', () => {
    expect(normalizeMediaType('Text/Plain; charset=UTF-8')).toBe('text/plain');
    expect(normalizeMediaType(undefined)).toBe('');
  });
});
