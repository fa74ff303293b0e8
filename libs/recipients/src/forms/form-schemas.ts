import type { RecipientType } from '@prisma/client';
import { INSURANCE_DECISIONS } from './recipient-forms.dto';

/**
 * The JSON Schema (draft 2020-12 vocabulary) of each built-in recipient type's form, returned by the
 * link view so a client can render the form. It describes the same fields as the DTOs in
 * recipient-forms.dto.ts (a unit test keeps the two aligned); the check digit of an NPI, the date of
 * birth being in the past and the signature matching the name are enforced by the server only.
 */
export const BUILT_IN_FORM_SCHEMAS: Record<Exclude<RecipientType, 'CUSTOM'>, Record<string, unknown>> = {
  PRESCRIBER: {
    type: 'object',
    title: 'Prescriber',
    additionalProperties: false,
    required: ['fullName', 'npi', 'signature', 'consent'],
    properties: {
      fullName: { type: 'string', minLength: 1, maxLength: 200, title: 'Full name' },
      npi: { type: 'string', pattern: '^\\d{10}$', title: 'NPI', description: '10 digits with a valid check digit' },
      signature: {
        type: 'string',
        minLength: 1,
        maxLength: 200,
        title: 'Signature',
        description: 'Type your full name',
      },
      consent: { type: 'boolean', const: true, title: 'I consent' },
    },
  },
  PATIENT: {
    type: 'object',
    title: 'Patient',
    additionalProperties: false,
    required: ['fullName', 'dateOfBirth', 'consentAccepted'],
    properties: {
      fullName: { type: 'string', minLength: 1, maxLength: 200, title: 'Full name' },
      dateOfBirth: { type: 'string', format: 'date', title: 'Date of birth' },
      consentAccepted: { type: 'boolean', const: true, title: 'I accept' },
    },
  },
  PHARMACY: {
    type: 'object',
    title: 'Pharmacy',
    additionalProperties: false,
    required: ['name'],
    anyOf: [{ required: ['ncpdpId'] }, { required: ['npi'] }],
    properties: {
      name: { type: 'string', minLength: 1, maxLength: 200, title: 'Pharmacy name' },
      ncpdpId: { type: 'string', pattern: '^\\d{7}$', title: 'NCPDP id' },
      npi: { type: 'string', pattern: '^\\d{10}$', title: 'NPI' },
    },
  },
  INSURANCE: {
    type: 'object',
    title: 'Insurance',
    additionalProperties: false,
    required: ['payer', 'memberId'],
    properties: {
      payer: { type: 'string', minLength: 1, maxLength: 200, title: 'Payer' },
      memberId: { type: 'string', minLength: 1, maxLength: 64, title: 'Member id' },
      groupNumber: { type: 'string', minLength: 1, maxLength: 64, title: 'Group number' },
      decision: { type: 'string', enum: [...INSURANCE_DECISIONS], title: 'Decision' },
      decisionNote: { type: 'string', maxLength: 2000, title: 'Decision note' },
    },
  },
};
