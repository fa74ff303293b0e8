/**
 * The coding systems entries use: the format of each code (checked on write; the code lists
 * themselves are licensed or large, so the format is what the server can vouch for) and the FHIR
 * system URI the export names it with.
 */

/** ICD-10-CM: a letter (not U, reserved by WHO), a digit, a digit or letter, then optionally a dot and 1–4 more. */
export const ICD10_CM_PATTERN = /^[A-TV-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$/;
/** RxNorm concept unique identifier (RXCUI): 1 to 8 digits. */
export const RXNORM_PATTERN = /^[0-9]{1,8}$/;
/** CDC CVX vaccine code: 1 to 3 digits. */
export const CVX_PATTERN = /^[0-9]{1,3}$/;
/** CPT: 5 digits (Category I), or 4 digits and F (Category II) or T (Category III). */
export const CPT_PATTERN = /^[0-9]{4}[0-9FT]$/;

export const CODE_SYSTEMS = {
  icd10cm: 'http://hl7.org/fhir/sid/icd-10-cm',
  rxnorm: 'http://www.nlm.nih.gov/research/umls/rxnorm',
  cvx: 'http://hl7.org/fhir/sid/cvx',
  cpt: 'http://www.ama-assn.org/go/cpt',
  loinc: 'http://loinc.org',
  ucum: 'http://unitsofmeasure.org',
  v3RoleCode: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode',
} as const;

const matches = (pattern: RegExp) => (value: unknown) => typeof value === 'string' && pattern.test(value);
export const isIcd10CmCode = matches(ICD10_CM_PATTERN);
export const isRxNormCode = matches(RXNORM_PATTERN);
export const isCvxCode = matches(CVX_PATTERN);
export const isCptCode = matches(CPT_PATTERN);

/**
 * Blood relatives from the HL7 v3 RoleCode value set FamilyMember (the codes FHIR
 * FamilyMemberHistory.relationship uses): parents, siblings, children, grandparents,
 * grandchildren, aunts, uncles, cousins, nieces and nephews, with maternal/paternal variants.
 */
export const FAMILY_RELATIONS = [
  'FAMMEMB',
  'PRN',
  'MTH',
  'FTH',
  'NMTH',
  'NFTH',
  'SIB',
  'BRO',
  'SIS',
  'HSIB',
  'HBRO',
  'HSIS',
  'TWIN',
  'TWINBRO',
  'TWINSIS',
  'FTWIN',
  'ITWIN',
  'CHILD',
  'DAU',
  'SON',
  'GRPRN',
  'GRMTH',
  'GRFTH',
  'MGRMTH',
  'MGRFTH',
  'PGRMTH',
  'PGRFTH',
  'GGRMTH',
  'GGRFTH',
  'GRNDCHILD',
  'GRNDDAU',
  'GRNDSON',
  'AUNT',
  'MAUNT',
  'PAUNT',
  'UNCLE',
  'MUNCLE',
  'PUNCLE',
  'COUSN',
  'MCOUSN',
  'PCOUSN',
  'NIENEPH',
  'NIECE',
  'NEPHEW',
] as const;

export const DIAGNOSIS_STATUSES = ['ACTIVE', 'RECURRENCE', 'RELAPSE', 'INACTIVE', 'REMISSION', 'RESOLVED'] as const;
export const MEDICATION_STATUSES = ['ACTIVE', 'COMPLETED', 'STOPPED', 'ON_HOLD'] as const;
/** Routes of administration (a subset of SNOMED CT's route concepts, by name). */
export const MEDICATION_ROUTES = [
  'ORAL',
  'SUBLINGUAL',
  'BUCCAL',
  'INTRAVENOUS',
  'INTRAMUSCULAR',
  'SUBCUTANEOUS',
  'INTRADERMAL',
  'TOPICAL',
  'TRANSDERMAL',
  'INHALATION',
  'NASAL',
  'OPHTHALMIC',
  'OTIC',
  'RECTAL',
  'VAGINAL',
  'OTHER',
] as const;
export const ALLERGY_SEVERITIES = ['MILD', 'MODERATE', 'SEVERE'] as const;
export const ALLERGY_STATUSES = ['ACTIVE', 'INACTIVE', 'RESOLVED'] as const;
