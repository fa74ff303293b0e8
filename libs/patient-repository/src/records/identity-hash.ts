import { createHmac } from 'node:crypto';

/**
 * The fields that identify a person, as the composite identity hash reads them (a subset of the
 * personal information: the legal name, the date of birth and the primary identifier).
 */
export interface IdentityFields {
  legalName: { given: string[]; family: string };
  dateOfBirth: string;
  /** The first identifier is the primary one. */
  identifiers: { system: string; value: string }[];
}

/**
 * Text as people type it, made comparable: compatibility decomposition (NFKD) with the combining
 * marks it separates removed ("Zoë" and "Zoe" agree), lower-case, runs of whitespace collapsed to
 * one space, trimmed.
 */
export function normaliseText(value: string): string {
  return value.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s+/g, ' ').trim();
}

/**
 * An identifier value without the separators people add or drop ("123-45 6789" and "123456789"
 * are the same number), after `normaliseText`.
 */
export function normaliseIdentifierValue(value: string): string {
  return normaliseText(value).replace(/[\s-]/g, '');
}

/**
 * What the hash is computed over, unambiguously (a JSON array, so no field's content can shift
 * into the next): family name, given names in order, date of birth, and the primary identifier's
 * system and value.
 */
export function identityHashInput(fields: IdentityFields): string {
  const primary = fields.identifiers[0];
  return JSON.stringify([
    normaliseText(fields.legalName.family),
    fields.legalName.given.map(normaliseText).filter(Boolean).join(' '),
    fields.dateOfBirth.trim(),
    normaliseText(primary?.system ?? ''),
    normaliseIdentifierValue(primary?.value ?? ''),
  ]);
}

/**
 * HMAC-SHA-256 under IDENTITY_HASH_KEY (a key of its own, not an encryption key): equal for the
 * same person however the name was spaced, cased or accented, and useless to anyone without the
 * key (a plain hash of a name and a birth date would be guessed by enumeration).
 */
export function identityHash(key: Buffer, fields: IdentityFields): Buffer {
  return createHmac('sha256', key).update(identityHashInput(fields), 'utf8').digest();
}
