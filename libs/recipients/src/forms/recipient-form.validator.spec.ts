import { getMetadataStorage } from 'class-validator';
import { isValidNpi } from './npi';
import { BUILT_IN_FORM_SCHEMAS } from './form-schemas';
import { InsuranceFormDto, PatientFormDto, PharmacyFormDto, PrescriberFormDto } from './recipient-forms.dto';
import { RecipientFormValidator, type FormValidationInput } from './recipient-form.validator';

const validator = new RecipientFormValidator();
const fields = async (input: FormValidationInput) => (await validator.errorsOf(input)).map((e) => e.field).sort();

describe('isValidNpi', () => {
  it('accepts an NPI whose check digit is right', () => {
    expect(isValidNpi('1234567893')).toBe(true);
  });
  it('refuses a wrong check digit, wrong lengths and non-digits', () => {
    expect(isValidNpi('1234567890')).toBe(false);
    expect(isValidNpi('123456789')).toBe(false);
    expect(isValidNpi('12345678933')).toBe(false);
    expect(isValidNpi('12345678a3')).toBe(false);
    expect(isValidNpi(1234567893)).toBe(false);
  });
});

describe('PRESCRIBER form', () => {
  const valid = { fullName: 'Dr. Ada Lovelace', npi: '1234567893', signature: 'dr. ada lovelace ', consent: true };
  it('accepts a complete form (signature case-insensitive)', async () => {
    expect(await fields({ type: 'PRESCRIBER', formData: valid, draft: false })).toEqual([]);
  });
  it('names a bad NPI, a signature that is not the name, and consent not given', async () => {
    expect(
      await fields({
        type: 'PRESCRIBER',
        formData: { ...valid, npi: '1234567890', signature: 'someone', consent: false },
        draft: false,
      }),
    ).toEqual(['formData.consent', 'formData.npi', 'formData.signature']);
  });
  it('requires every field when completing but not in a draft', async () => {
    expect(await fields({ type: 'PRESCRIBER', formData: {}, draft: false })).toEqual([
      'formData.consent',
      'formData.fullName',
      'formData.npi',
      'formData.signature',
    ]);
    expect(await fields({ type: 'PRESCRIBER', formData: { fullName: 'A' }, draft: true })).toEqual([]);
  });
  it('checks formats in a draft, but not consent', async () => {
    expect(await fields({ type: 'PRESCRIBER', formData: { npi: '1', consent: false }, draft: true })).toEqual([
      'formData.npi',
    ]);
  });
  it('refuses extra fields by name, in drafts too', async () => {
    expect(await fields({ type: 'PRESCRIBER', formData: { ...valid, extra: 1 }, draft: false })).toEqual([
      'formData.extra',
    ]);
    expect(await fields({ type: 'PRESCRIBER', formData: { ncpdpId: '1234567' }, draft: true })).toEqual([
      'formData.ncpdpId',
    ]);
  });
});

describe('keys every object answers to', () => {
  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])('refuses %s in every form', async (key) => {
    const formData = JSON.parse(`{"${key}": {"x": 1}}`) as Record<string, unknown>;
    for (const type of ['PRESCRIBER', 'PATIENT', 'PHARMACY', 'INSURANCE'] as const) {
      expect(await fields({ type, formData, draft: true })).toEqual([`formData.${key}`]);
    }
    expect(
      await fields({ type: 'CUSTOM', formSchema: { type: 'object', properties: {} }, formData, draft: true }),
    ).toEqual([`formData.${key}`]);
  });
});

describe('PATIENT form', () => {
  it('accepts a past date of birth and consent', async () => {
    expect(
      await fields({
        type: 'PATIENT',
        formData: { fullName: 'Pat', dateOfBirth: '1980-02-29', consentAccepted: true },
        draft: false,
      }),
    ).toEqual([]);
  });
  it.each(['2999-01-01', '1899-12-31', '1981-02-29', '1980-13-01', '12/01/1980', ''])(
    'refuses date of birth %p',
    async (dateOfBirth) => {
      expect(await fields({ type: 'PATIENT', formData: { dateOfBirth }, draft: true })).toEqual([
        'formData.dateOfBirth',
      ]);
    },
  );
  it('requires consent accepted when completing', async () => {
    expect(
      await fields({
        type: 'PATIENT',
        formData: { fullName: 'Pat', dateOfBirth: '1980-01-01', consentAccepted: false },
        draft: false,
      }),
    ).toEqual(['formData.consentAccepted']);
  });
});

describe('PHARMACY form', () => {
  it('accepts an NCPDP id or an NPI', async () => {
    expect(await fields({ type: 'PHARMACY', formData: { name: 'P', ncpdpId: '1234567' }, draft: false })).toEqual([]);
    expect(await fields({ type: 'PHARMACY', formData: { name: 'P', npi: '1234567893' }, draft: false })).toEqual([]);
  });
  it('requires one of them when completing', async () => {
    expect(await fields({ type: 'PHARMACY', formData: { name: 'P' }, draft: false })).toEqual(['formData.ncpdpId']);
    expect(await fields({ type: 'PHARMACY', formData: { name: 'P' }, draft: true })).toEqual([]);
  });
  it('checks their formats', async () => {
    expect(
      await fields({ type: 'PHARMACY', formData: { name: 'P', ncpdpId: '123456', npi: '1234567890' }, draft: false }),
    ).toEqual(['formData.ncpdpId', 'formData.npi']);
  });
});

describe('INSURANCE form', () => {
  it('accepts payer and member id with optional fields', async () => {
    expect(await fields({ type: 'INSURANCE', formData: { payer: 'Acme', memberId: 'M1' }, draft: false })).toEqual([]);
    expect(
      await fields({
        type: 'INSURANCE',
        formData: { payer: 'Acme', memberId: 'M1', groupNumber: 'G', decision: 'APPROVED', decisionNote: 'ok' },
        draft: false,
      }),
    ).toEqual([]);
  });
  it('refuses an unknown decision and missing fields', async () => {
    expect(await fields({ type: 'INSURANCE', formData: { decision: 'MAYBE' }, draft: false })).toEqual([
      'formData.decision',
      'formData.memberId',
      'formData.payer',
    ]);
  });
});

describe('CUSTOM form', () => {
  const formSchema = {
    type: 'object',
    required: ['email', 'items'],
    properties: {
      email: { type: 'string', format: 'email' },
      items: { type: 'array', items: { type: 'object', properties: { qty: { type: 'integer', minimum: 1 } } } },
    },
  };
  it('validates with the JSON Schema and names the paths', async () => {
    expect(
      await fields({ type: 'CUSTOM', formSchema, formData: { email: 'a@b.co', items: [] }, draft: false }),
    ).toEqual([]);
    expect(
      await fields({
        type: 'CUSTOM',
        formSchema,
        formData: { email: 'nope', items: [{ qty: 1 }, { qty: 0 }] },
        draft: false,
      }),
    ).toEqual(['formData.email', 'formData.items[1].qty']);
  });
  it('requires fields when completing, not in a draft', async () => {
    expect(await fields({ type: 'CUSTOM', formSchema, formData: {}, draft: false })).toEqual([
      'formData.email',
      'formData.items',
    ]);
    expect(await fields({ type: 'CUSTOM', formSchema, formData: {}, draft: true })).toEqual([]);
  });
  it('refuses fields the schema does not list', async () => {
    expect(await fields({ type: 'CUSTOM', formSchema, formData: { other: 1 }, draft: true })).toEqual([
      'formData.other',
    ]);
  });
});

describe('published schemas', () => {
  it.each([
    ['PRESCRIBER', PrescriberFormDto],
    ['PATIENT', PatientFormDto],
    ['PHARMACY', PharmacyFormDto],
    ['INSURANCE', InsuranceFormDto],
  ] as const)('%s lists the same fields as its DTO', (type, dto) => {
    const dtoFields = new Set(
      getMetadataStorage()
        .getTargetValidationMetadatas(dto, '', true, false)
        .map((m) => m.propertyName),
    );
    expect(Object.keys(BUILT_IN_FORM_SCHEMAS[type].properties as object).sort()).toEqual([...dtoFields].sort());
  });
});
