import type { DecryptedEntry } from '../entry-content';
import { entryResource, patientResource } from './fhir-resources';

const repositoryId = '7d3c0d5e-2f4b-4d0a-9a51-0c7f6f1d2e3a';
const entry = (category: DecryptedEntry['category'], content: object): DecryptedEntry =>
  ({
    id: 'c0ffee00-0000-4000-8000-000000000001',
    category,
    version: 3,
    content,
    createdAt: new Date('2026-01-01T00:00:00Z'),
    updatedAt: new Date('2026-01-02T00:00:00Z'),
  }) as DecryptedEntry;

describe('FHIR R4 resources', () => {
  it('gives every resource its id, version and subject', () => {
    const condition = entryResource(
      repositoryId,
      entry('DIAGNOSES', { icd10Code: 'I10', description: 'Hypertension', status: 'RESOLVED' }),
    );
    expect(condition).toMatchObject({
      resourceType: 'Condition',
      id: 'c0ffee00-0000-4000-8000-000000000001',
      meta: { versionId: '3', lastUpdated: '2026-01-02T00:00:00.000Z' },
      subject: { reference: `Patient/${repositoryId}` },
      clinicalStatus: { coding: [{ code: 'resolved' }] },
    });
    expect(condition).not.toHaveProperty('onsetDateTime');
    expect(condition).not.toHaveProperty('note');
  });

  it('maps an ON_HOLD medication without a code to on-hold and a text-only concept', () => {
    const statement = entryResource(repositoryId, entry('MEDICATIONS', { name: 'lisinopril', status: 'ON_HOLD' }));
    expect(statement).toMatchObject({ status: 'on-hold', medicationCodeableConcept: { text: 'lisinopril' } });
    expect(statement.medicationCodeableConcept).not.toHaveProperty('coding');
    expect(statement).not.toHaveProperty('dosage');
  });

  it('maps a severe allergy without a recorded reaction to high criticality and no reaction', () => {
    const allergy = entryResource(
      repositoryId,
      entry('ALLERGIES', { substance: 'peanut', severity: 'SEVERE', status: 'ACTIVE' }),
    );
    expect(allergy).toMatchObject({ criticality: 'high', patient: { reference: `Patient/${repositoryId}` } });
    expect(allergy).not.toHaveProperty('reaction');
  });

  it('keeps the vital-signs profile and the observation category on every Observation', () => {
    const spo2 = entryResource(
      repositoryId,
      entry('VITAL_SIGNS', {
        type: 'OXYGEN_SATURATION',
        value: 97,
        loincCode: '2708-6',
        unit: '%',
        measuredAt: '2026-01-01T00:00:00.000Z',
      }),
    );
    expect(spo2).toMatchObject({
      meta: { versionId: '3', profile: ['http://hl7.org/fhir/StructureDefinition/oxygensat'] },
      category: [{ coding: [{ code: 'vital-signs' }] }],
      code: { coding: [{ system: 'http://loinc.org', code: '2708-6' }] },
      valueQuantity: { value: 97, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
    });
  });

  it('maps a procedure without CPT to a text-only code, and family history without age or code', () => {
    expect(
      entryResource(repositoryId, entry('PROCEDURES', { description: 'Tonsillectomy', performedDate: '1990-01-01' }))
        .code,
    ).toEqual({
      text: 'Tonsillectomy',
    });
    const history = entryResource(repositoryId, entry('FAMILY_HISTORY', { relation: 'FTH', condition: 'stroke' }));
    expect(history.condition).toEqual([{ code: { text: 'stroke' } }]);
    expect(history).not.toHaveProperty('deceasedBoolean');
  });

  it('builds the Patient without contact details when there are none', () => {
    const patient = patientResource(repositoryId, {
      legalName: { given: ['Jo'], family: 'Doe' },
      dateOfBirth: '1970-01-01',
      sex: 'unknown',
      address: { line: ['1 Main St'], city: 'Town', postalCode: '12345', country: 'US' },
      identifiers: [{ system: 'urn:example', value: '1' }],
    });
    expect(patient).not.toHaveProperty('telecom');
    expect(patient).toMatchObject({
      id: repositoryId,
      gender: 'unknown',
      birthDate: '1970-01-01',
      address: [{ city: 'Town' }],
    });
  });
});
