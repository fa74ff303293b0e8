import { maskEmail, maskPhone } from './contact-mask';
import { mergeFormData } from './recipient-actions.service';

describe('contact masks', () => {
  it('keeps the first letters and the top-level domain of an email', () => {
    expect(maskEmail('jane.doe@example.com')).toBe('j***@e***.com');
    expect(maskEmail('a@localhost')).toBe('a***@l***');
  });
  it('keeps the last four digits of a phone number', () => {
    expect(maskPhone('+15551234567')).toBe('+*******4567');
  });
});

describe('mergeFormData', () => {
  it('merges top-level fields and removes those set to null', () => {
    expect(mergeFormData({ a: 1, b: 2 }, { b: 3, c: 4 })).toEqual({ a: 1, b: 3, c: 4 });
    expect(mergeFormData({ a: 1, b: 2 }, { a: null })).toEqual({ b: 2 });
  });
  it('keeps __proto__ as an own key (for validation to refuse), never as the prototype', () => {
    const merged = mergeFormData({}, JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>);
    expect(Object.keys(merged)).toEqual(['__proto__']);
    expect((merged as { polluted?: boolean }).polluted).toBeUndefined();
  });
  it('does not change its inputs', () => {
    const current = { a: 1 };
    mergeFormData(current, { a: null });
    expect(current).toEqual({ a: 1 });
  });
});
