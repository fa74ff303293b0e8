import { AppError } from '../errors/app-error';
import { decodeCursor, encodeCursor, toPage, type CursorValues } from './page';

const isPair = (v: CursorValues): v is [string, number] =>
  v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'number';

describe('cursor pages', () => {
  it('round-trips cursor values', () => {
    expect(decodeCursor(encodeCursor(['2026-11-23T00:00:00.000Z', 7]), isPair)).toEqual([
      '2026-11-23T00:00:00.000Z',
      7,
    ]);
  });

  it.each(['!!!', Buffer.from('not json').toString('base64url'), encodeCursor([1, 2]), encodeCursor(['a'])])(
    'refuses a cursor it did not issue (%s) with INVALID_CURSOR',
    (cursor) => {
      expect(() => decodeCursor(cursor, isPair)).toThrow(AppError);
      try {
        decodeCursor(cursor, isPair);
      } catch (error) {
        expect((error as AppError).code).toBe('INVALID_CURSOR');
      }
    },
  );

  it('uses the extra row only to tell that another page exists', () => {
    const rows = [{ n: 1 }, { n: 2 }, { n: 3 }];
    const page = toPage(
      rows,
      2,
      (r) => ['x', r.n],
      (r) => r.n,
    );
    expect(page.data).toEqual([1, 2]);
    expect(decodeCursor(page.page.nextCursor!, isPair)).toEqual(['x', 2]);
    expect(
      toPage(
        rows,
        3,
        (r) => ['x', r.n],
        (r) => r.n,
      ).page,
    ).toEqual({ nextCursor: null, limit: 3 });
  });
});
