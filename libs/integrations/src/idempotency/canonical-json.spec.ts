import { canonicalJson, requestHash } from './canonical-json';

describe('canonical JSON', () => {
  it('sorts keys at every level and leaves out undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: undefined } })).toBe(
      '{"a":{"d":[2,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('hashes equal requests equally and different ones differently', () => {
    expect(requestHash({ a: 1, b: [1, 2] }).equals(requestHash({ b: [1, 2], a: 1 }))).toBe(true);
    expect(requestHash({ a: 1, b: [1, 2] }).equals(requestHash({ a: 1, b: [2, 1] }))).toBe(false);
    expect(requestHash({ a: '1' }).equals(requestHash({ a: 1 }))).toBe(false);
  });
});
