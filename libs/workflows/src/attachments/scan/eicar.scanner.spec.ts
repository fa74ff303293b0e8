import { Readable } from 'node:stream';
import { parseClamdReply } from './clamd.scanner';
import { EICAR_NAME, EICAR_SIGNATURE, EicarScanner } from './eicar.scanner';

/** `data` cut into chunks of `size` bytes. */
function chunked(data: Buffer, size: number): Readable {
  const chunks: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) chunks.push(data.subarray(i, i + size));
  return Readable.from(chunks);
}

describe('EicarScanner', () => {
  const scanner = new EicarScanner();
  const infected = Buffer.concat([Buffer.alloc(1000, 'a'), EICAR_SIGNATURE, Buffer.alloc(1000, 'b')]);

  it.each([1, 2, 7, 67, 68, 69, 1001, 4096])('finds the signature split into chunks of %i bytes', async (size) => {
    await expect(scanner.scan(chunked(infected, size))).resolves.toEqual({ infected: true, signature: EICAR_NAME });
  });

  it('finds the signature at the very start and at the very end', async () => {
    await expect(scanner.scan(chunked(EICAR_SIGNATURE, 5))).resolves.toMatchObject({ infected: true });
    const atEnd = Buffer.concat([Buffer.alloc(10_000, 'x'), EICAR_SIGNATURE]);
    await expect(scanner.scan(chunked(atEnd, 999))).resolves.toMatchObject({ infected: true });
  });

  it('passes content without the whole signature', async () => {
    const almost = Buffer.concat([EICAR_SIGNATURE.subarray(0, EICAR_SIGNATURE.length - 1), Buffer.from('?')]);
    await expect(scanner.scan(chunked(almost, 3))).resolves.toEqual({ infected: false });
    await expect(scanner.scan(Readable.from([]))).resolves.toEqual({ infected: false });
  });
});

describe('parseClamdReply', () => {
  it('reads OK and FOUND replies', () => {
    expect(parseClamdReply('stream: OK')).toEqual({ infected: false });
    expect(parseClamdReply('stream: Win.Test.EICAR_HDB-1 FOUND')).toEqual({
      infected: true,
      signature: 'Win.Test.EICAR_HDB-1',
    });
  });

  it('throws on errors and on anything else, so the job retries', () => {
    expect(() => parseClamdReply('INSTREAM size limit exceeded. ERROR')).toThrow(/clamd answered/);
    expect(() => parseClamdReply('')).toThrow(/clamd answered/);
  });
});
