/**
 * The purposes a consent grant may name: codes of HL7 v3 PurposeOfUse (value set
 * http://terminology.hl7.org/ValueSet/v3-PurposeOfUse, code system v3-ActReason) that make sense for
 * a patient sharing their record with a specialist. The access log copies the purpose of the grant
 * each read was made under.
 */
export const PURPOSE_OF_USE = {
  TREAT: 'treatment',
  ETREAT: 'emergency treatment',
  CAREMGT: 'care management',
  COC: 'coordination of care',
  CLINTRCH: 'clinical trial research',
  HRESCH: 'healthcare research',
  HPAYMT: 'healthcare payment',
  HOPERAT: 'healthcare operations',
  PATRQT: 'patient requested',
  FAMRQT: 'family requested',
  PWATRNY: 'power of attorney',
  SUPNWK: 'support network',
  PUBHLTH: 'public health',
} as const;

export type PurposeOfUse = keyof typeof PURPOSE_OF_USE;
export const PURPOSE_OF_USE_CODES = Object.keys(PURPOSE_OF_USE) as PurposeOfUse[];

/** The code system of the codes above, for the FHIR view of a grant. */
export const PURPOSE_OF_USE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-ActReason';
