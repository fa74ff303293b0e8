import type {
  AllergyContent,
  DecryptedEntry,
  DiagnosisContent,
  FamilyHistoryContent,
  ImmunizationContent,
  MedicationContent,
  ProcedureContent,
  VitalSignContent,
} from '../entry-content';
import { CODE_SYSTEMS } from '../entry-codes';
import { VITAL_SIGNS } from '../vital-signs.catalog';

/**
 * Entries and personal information as FHIR R4 resources (hl7.org/fhir/R4): each entry becomes the
 * resource its category corresponds to, with its id, version, codes under their system URIs and a
 * reference to the Patient, whose id is the repository id.
 */

export type FhirResource = { resourceType: string; id: string } & Record<string, unknown>;

/** Personal information as helper A's PersonalInfoDto stores it. */
export interface StoredPersonalInfo {
  legalName: { given: string[]; family: string };
  dateOfBirth: string;
  sex: string;
  contact?: { email?: string; phone?: string };
  address: { line: string[]; city: string; state?: string; postalCode: string; country: string };
  identifiers: { system: string; value: string }[];
}

const TERMINOLOGY = 'http://terminology.hl7.org/CodeSystem';
const fhirCode = (value: string) => value.toLowerCase().replace(/_/g, '-');
const concept = (system: string, code: string, display?: string) => ({
  system,
  code,
  ...(display ? { display } : {}),
});
const codeable = (text: string, coding?: { system: string; code: string; display?: string }) => ({
  ...(coding ? { coding: [coding] } : {}),
  text,
});
const defined = (value: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0)));

export function patientResource(repositoryId: string, info: StoredPersonalInfo): FhirResource {
  const telecom = [
    info.contact?.email ? { system: 'email', value: info.contact.email } : undefined,
    info.contact?.phone ? { system: 'phone', value: info.contact.phone } : undefined,
  ].filter(Boolean);
  return defined({
    resourceType: 'Patient',
    id: repositoryId,
    identifier: info.identifiers.map(({ system, value }) => ({ system, value })),
    name: [{ use: 'official', family: info.legalName.family, given: info.legalName.given }],
    telecom,
    gender: info.sex,
    birthDate: info.dateOfBirth,
    address: [defined({ ...info.address, line: info.address.line })],
  }) as FhirResource;
}

type Mapper<C> = (content: C, subject: { reference: string }) => Record<string, unknown>;

const condition: Mapper<DiagnosisContent> = (c, subject) => ({
  resourceType: 'Condition',
  clinicalStatus: codeable(c.status, concept(`${TERMINOLOGY}/condition-clinical`, fhirCode(c.status))),
  category: [codeable('Problem List Item', concept(`${TERMINOLOGY}/condition-category`, 'problem-list-item'))],
  code: codeable(c.description, concept(CODE_SYSTEMS.icd10cm, c.icd10Code, c.description)),
  subject,
  onsetDateTime: c.onsetDate,
  note: c.notes ? [{ text: c.notes }] : undefined,
});

const medicationStatement: Mapper<MedicationContent> = (c, subject) => ({
  resourceType: 'MedicationStatement',
  status: fhirCode(c.status),
  medicationCodeableConcept: codeable(c.name, c.rxnormCode ? concept(CODE_SYSTEMS.rxnorm, c.rxnormCode) : undefined),
  subject,
  effectivePeriod: c.startDate || c.endDate ? defined({ start: c.startDate, end: c.endDate }) : undefined,
  dosage:
    c.dose || c.frequency || c.route
      ? [
          defined({
            text: [c.dose, c.frequency].filter(Boolean).join(', ') || undefined,
            route: c.route ? { text: fhirCode(c.route) } : undefined,
          }),
        ]
      : undefined,
});

const allergyIntolerance: Mapper<AllergyContent> = (c, subject) => ({
  resourceType: 'AllergyIntolerance',
  clinicalStatus: codeable(c.status, concept(`${TERMINOLOGY}/allergyintolerance-clinical`, fhirCode(c.status))),
  criticality: c.severity === 'SEVERE' ? 'high' : 'low',
  code: { text: c.substance },
  patient: subject,
  onsetDateTime: c.onsetDate,
  reaction: c.reaction ? [{ manifestation: [{ text: c.reaction }], severity: fhirCode(c.severity) }] : undefined,
});

const quantity = (value: number, unit: string) => ({ value, unit, system: CODE_SYSTEMS.ucum, code: unit });

const observation: Mapper<VitalSignContent> = (c, subject) => {
  const definition = VITAL_SIGNS[c.type];
  const loinc = (code: string, display: string) => codeable(display, concept(CODE_SYSTEMS.loinc, code, display));
  return {
    resourceType: 'Observation',
    meta: { profile: [`http://hl7.org/fhir/StructureDefinition/${definition.profile}`] },
    status: 'final',
    category: [codeable('Vital Signs', concept(`${TERMINOLOGY}/observation-category`, 'vital-signs', 'Vital Signs'))],
    code: loinc(definition.loincCode, definition.display),
    subject,
    effectiveDateTime: c.measuredAt,
    ...(definition.components
      ? {
          component: (['systolic', 'diastolic'] as const).map((part) => ({
            code: loinc(definition.components![part].loincCode, definition.components![part].display),
            valueQuantity: quantity(c[part]!, definition.unit),
          })),
        }
      : { valueQuantity: quantity(c.value!, definition.unit) }),
  };
};

const procedure: Mapper<ProcedureContent> = (c, subject) => ({
  resourceType: 'Procedure',
  status: 'completed',
  code: codeable(c.description, c.cptCode ? concept(CODE_SYSTEMS.cpt, c.cptCode) : undefined),
  subject,
  performedDateTime: c.performedDate,
  note: c.notes ? [{ text: c.notes }] : undefined,
});

const immunization: Mapper<ImmunizationContent> = (c, subject) => ({
  resourceType: 'Immunization',
  status: 'completed',
  vaccineCode: codeable(c.vaccine, concept(CODE_SYSTEMS.cvx, c.cvxCode)),
  patient: subject,
  occurrenceDateTime: c.date,
  lotNumber: c.lotNumber,
  protocolApplied: c.doseNumber ? [{ doseNumberPositiveInt: c.doseNumber }] : undefined,
});

const familyMemberHistory: Mapper<FamilyHistoryContent> = (c, subject) => ({
  resourceType: 'FamilyMemberHistory',
  status: 'completed',
  patient: subject,
  relationship: { coding: [concept(CODE_SYSTEMS.v3RoleCode, c.relation)] },
  deceasedBoolean: c.deceased,
  condition: [
    defined({
      code: codeable(c.condition, c.icd10Code ? concept(CODE_SYSTEMS.icd10cm, c.icd10Code) : undefined),
      onsetAge: c.ageAtOnset === undefined ? undefined : { ...quantity(c.ageAtOnset, 'a'), unit: 'years' },
    }),
  ],
});

const MAPPERS: { [C in DecryptedEntry['category']]: Mapper<never> } = {
  DIAGNOSES: condition,
  MEDICATIONS: medicationStatement,
  ALLERGIES: allergyIntolerance,
  VITAL_SIGNS: observation,
  PROCEDURES: procedure,
  IMMUNIZATIONS: immunization,
  FAMILY_HISTORY: familyMemberHistory,
};

/** The resource of one live entry; `meta.versionId` is the entry's version. */
export function entryResource(repositoryId: string, entry: DecryptedEntry): FhirResource {
  const mapper = MAPPERS[entry.category] as Mapper<unknown>;
  const { resourceType, meta, ...rest } = mapper(entry.content, { reference: `Patient/${repositoryId}` });
  return defined({
    resourceType,
    id: entry.id,
    meta: {
      versionId: String(entry.version),
      lastUpdated: entry.updatedAt.toISOString(),
      ...(meta as object | undefined),
    },
    ...rest,
  }) as FhirResource;
}
