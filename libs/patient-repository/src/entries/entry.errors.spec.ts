import { expectedVersionOf } from './entry.errors';

describe('expectedVersionOf', () => {
  it('reads a strong, weak or bare entity tag', () => {
    expect(expectedVersionOf('"3"', undefined)).toBe(3);
    expect(expectedVersionOf('W/"3"', undefined)).toBe(3);
    expect(expectedVersionOf('3', undefined)).toBe(3);
  });

  it('falls back to the body, and treats an absent or * header as no condition', () => {
    expect(expectedVersionOf(undefined, 4)).toBe(4);
    expect(expectedVersionOf('*', undefined)).toBeUndefined();
    expect(expectedVersionOf('', undefined)).toBeUndefined();
  });

  it.each(['"0"', '"-1"', '"abc"', '"99999999999"', '"1", "2"', 'W/'])(
    'refuses %s with a 400 naming If-Match',
    (header) => {
      expect(() => expectedVersionOf(header, undefined)).toThrow(
        expect.objectContaining({ status: 400, errors: [expect.objectContaining({ field: 'If-Match' })] }),
      );
    },
  );

  it('refuses a header and a body that disagree', () => {
    expect(() => expectedVersionOf('"2"', 3)).toThrow(
      expect.objectContaining({ status: 400, errors: [expect.objectContaining({ field: 'expectedVersion' })] }),
    );
    expect(expectedVersionOf('"3"', 3)).toBe(3);
  });
});
