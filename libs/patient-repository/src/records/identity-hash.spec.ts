import { randomBytes } from 'node:crypto';
import {
  identityHash,
  identityHashInput,
  normaliseIdentifierValue,
  normaliseText,
  type IdentityFields,
} from './identity-hash';

const person: IdentityFields = {
  legalName: { given: ['Zoë', 'Ann'], family: 'Ñúñez  García' },
  dateOfBirth: '1984-07-12',
  identifiers: [
    { system: 'urn:oid:2.16.840.1.113883.4.1', value: '123-45-6789' },
    { system: 'urn:mrn', value: 'A1' },
  ],
};

describe('identity hash', () => {
  const key = randomBytes(32);

  it('normalises text: accents stripped, lower-case, whitespace collapsed', () => {
    expect(normaliseText('  Ñúñez \t García ')).toBe('nunez garcia');
    expect(normaliseText('ZOË')).toBe('zoe');
    // NFKD folds compatibility forms too (the ligature ﬁ, full-width letters).
    expect(normaliseText('ﬁona')).toBe('fiona');
    expect(normaliseText('ＡＮＡ')).toBe('ana');
    expect(normaliseIdentifierValue(' 123 45-6789 ')).toBe('123456789');
  });

  it('is the same for the same person typed with other spacing, case and accents', () => {
    const retyped: IdentityFields = {
      legalName: { given: ['  zoe', 'ANN '], family: 'nunez garcia' },
      dateOfBirth: '1984-07-12',
      identifiers: [{ system: 'URN:OID:2.16.840.1.113883.4.1', value: '123 45 6789' }],
    };
    expect(identityHash(key, retyped)).toEqual(identityHash(key, person));
  });

  it('differs when the name, date of birth or primary identifier differs, and with another key', () => {
    const base = identityHash(key, person);
    expect(identityHash(key, { ...person, dateOfBirth: '1984-07-13' })).not.toEqual(base);
    expect(identityHash(key, { ...person, legalName: { given: ['Zoe'], family: 'Nunez Garcia' } })).not.toEqual(base);
    expect(identityHash(key, { ...person, identifiers: [{ system: 'urn:mrn', value: 'A1' }] })).not.toEqual(base);
    expect(identityHash(randomBytes(32), person)).not.toEqual(base);
  });

  it('ignores the secondary identifiers and keeps fields apart (no shifting between them)', () => {
    expect(identityHash(key, { ...person, identifiers: [person.identifiers[0]] })).toEqual(identityHash(key, person));
    const a = identityHashInput({ ...person, legalName: { given: ['b'], family: 'a' } });
    const b = identityHashInput({ ...person, legalName: { given: [''], family: 'a b' } });
    expect(a).not.toEqual(b);
  });

  it('is a 32-byte HMAC-SHA-256', () => {
    expect(identityHash(key, person)).toHaveLength(32);
  });
});
