import { RequestValidationPipe } from '@itinera/platform';
import type { Type } from '@nestjs/common';
import { ENTRY_CATEGORY_DEFINITIONS } from '../entry-categories';
import {
  CreateAllergyDto,
  CreateDiagnosisDto,
  CreateFamilyHistoryDto,
  CreateImmunizationDto,
  CreateMedicationDto,
  CreateProcedureDto,
  CreateVitalSignDto,
} from './entry-content.dto';

/** Runs a body through the API's own validation pipe; resolves to the DTO or the field errors. */
async function check(dto: Type<object>, body: Record<string, unknown>) {
  try {
    return { value: await new RequestValidationPipe().transform(body, { type: 'body', metatype: dto }) };
  } catch (error) {
    return { errors: (error as { errors: { field: string; message: string }[] }).errors };
  }
}
const fields = async (dto: Type<object>, body: Record<string, unknown>) =>
  ((await check(dto, body)).errors ?? []).map((e) => e.field);

const diagnosis = { icd10Code: 'E11.9', description: 'Type 2 diabetes', status: 'ACTIVE', onsetDate: '2019-04-02' };

describe('entry DTOs', () => {
  it('accepts a diagnosis and normalises its code', async () => {
    const { value } = await check(CreateDiagnosisDto, { ...diagnosis, icd10Code: ' e11.9 ', description: ' Type 2 ' });
    expect(value).toMatchObject({ icd10Code: 'E11.9', description: 'Type 2' });
  });

  it('names the field of a malformed code and says the rule, not the value', async () => {
    const { errors } = await check(CreateDiagnosisDto, { ...diagnosis, icd10Code: 'XYZ-SECRET' });
    expect(errors).toEqual([{ field: 'icd10Code', message: expect.stringMatching(/^must be an ICD-10-CM code/) }]);
    expect(JSON.stringify(errors)).not.toContain('SECRET');
  });

  it.each([
    [CreateDiagnosisDto, { ...diagnosis, onsetDate: '2999-01-01' }, 'onsetDate'],
    [CreateDiagnosisDto, { ...diagnosis, status: 'CURED' }, 'status'],
    [CreateMedicationDto, { name: 'metformin', status: 'ACTIVE', rxnormCode: '123456789' }, 'rxnormCode'],
    [
      CreateMedicationDto,
      { name: 'metformin', status: 'ACTIVE', startDate: '2024-05-01', endDate: '2024-04-01' },
      'endDate',
    ],
    [CreateMedicationDto, { name: 'metformin', status: 'ACTIVE', route: 'BY_MAGIC' }, 'route'],
    [CreateAllergyDto, { substance: 'penicillin', severity: 'FATAL', status: 'ACTIVE' }, 'severity'],
    [CreateProcedureDto, { cptCode: '4537', description: 'Colonoscopy', performedDate: '2024-01-10' }, 'cptCode'],
    [CreateProcedureDto, { description: 'Colonoscopy', performedDate: '2999-01-10' }, 'performedDate'],
    [CreateImmunizationDto, { cvxCode: '2080', vaccine: 'COVID-19', date: '2024-01-10' }, 'cvxCode'],
    [CreateImmunizationDto, { cvxCode: '208', vaccine: 'COVID-19', date: '2024-01-10', doseNumber: 21 }, 'doseNumber'],
    [CreateImmunizationDto, { cvxCode: '208', vaccine: 'COVID-19', date: '2024-01-10', doseNumber: 0 }, 'doseNumber'],
    [CreateFamilyHistoryDto, { relation: 'NEIGHBOUR', condition: 'asthma' }, 'relation'],
    [CreateFamilyHistoryDto, { relation: 'MTH', condition: 'asthma', ageAtOnset: 131 }, 'ageAtOnset'],
    [CreateFamilyHistoryDto, { relation: 'MTH', condition: 'asthma', icd10Code: 'J45.9999x' }, 'icd10Code'],
    [CreateVitalSignDto, { type: 'HEART_RATE', value: 400, measuredAt: '2026-01-01T10:00:00Z' }, 'value'],
    [CreateVitalSignDto, { type: 'HEART_RATE', value: 70, measuredAt: '2999-01-01T10:00:00Z' }, 'measuredAt'],
    [
      CreateVitalSignDto,
      { type: 'BLOOD_PRESSURE', systolic: 80, diastolic: 120, measuredAt: '2026-01-01T10:00:00Z' },
      'diastolic',
    ],
    [CreateVitalSignDto, { type: 'BLOOD_PRESSURE', value: 120, measuredAt: '2026-01-01T10:00:00Z' }, 'value'],
  ] as [Type<object>, Record<string, unknown>, string][])(
    '%p refuses a bad %j naming the field',
    async (dto, body, field) => {
      expect(await fields(dto, body)).toContain(field);
    },
  );

  it('refuses fields it does not know, by name', async () => {
    expect(await fields(CreateDiagnosisDto, { ...diagnosis, loincCode: '1234-5' })).toEqual(['loincCode']);
  });

  it('accepts every category at its simplest', async () => {
    const minimal: Record<string, Record<string, unknown>> = {
      DIAGNOSES: diagnosis,
      MEDICATIONS: { name: 'metformin 500 mg', status: 'ACTIVE', ingredients: ['Metformin '] },
      ALLERGIES: { substance: 'penicillin', severity: 'SEVERE', status: 'ACTIVE' },
      VITAL_SIGNS: { type: 'BLOOD_PRESSURE', systolic: 120, diastolic: 80, measuredAt: '2026-01-01T10:00:00+01:00' },
      PROCEDURES: { description: 'Appendectomy', performedDate: '2010-06-01' },
      IMMUNIZATIONS: { cvxCode: '208', vaccine: 'COVID-19 mRNA', date: '2021-05-01', doseNumber: 2 },
      FAMILY_HISTORY: { relation: 'MGRMTH', condition: 'breast cancer', ageAtOnset: 54, deceased: true },
    };
    for (const definition of ENTRY_CATEGORY_DEFINITIONS) {
      const { value, errors } = await check(definition.createDto, minimal[definition.category]);
      expect([definition.category, errors]).toEqual([definition.category, undefined]);
      expect(definition.toContent(value as object)).toBeDefined();
    }
  });

  it('derives the LOINC code and UCUM unit of a vital sign, and stores the instant in UTC', async () => {
    const vitals = ENTRY_CATEGORY_DEFINITIONS.find((d) => d.category === 'VITAL_SIGNS')!;
    const { value } = await check(vitals.createDto, {
      type: 'BODY_TEMPERATURE',
      value: 37.2,
      measuredAt: '2026-01-01T10:00:00+01:00',
    });
    expect(vitals.toContent(value as object)).toEqual({
      type: 'BODY_TEMPERATURE',
      value: 37.2,
      measuredAt: '2026-01-01T09:00:00.000Z',
      loincCode: '8310-5',
      unit: 'Cel',
    });
  });

  it('takes expectedVersion on updates only, and keeps it out of the content', async () => {
    const diagnoses = ENTRY_CATEGORY_DEFINITIONS.find((d) => d.category === 'DIAGNOSES')!;
    expect(await fields(diagnoses.createDto, { ...diagnosis, expectedVersion: 2 })).toEqual(['expectedVersion']);
    const { value } = await check(diagnoses.updateDto, { ...diagnosis, expectedVersion: 2 });
    expect(value).toMatchObject({ expectedVersion: 2 });
    expect(diagnoses.toContent(value as object)).not.toHaveProperty('expectedVersion');
    expect(await fields(diagnoses.updateDto, { ...diagnosis, expectedVersion: 0 })).toEqual(['expectedVersion']);
  });

  it('stores an optional field sent as null as absent', async () => {
    const diagnoses = ENTRY_CATEGORY_DEFINITIONS.find((d) => d.category === 'DIAGNOSES')!;
    const { value } = await check(diagnoses.updateDto, { ...diagnosis, notes: null, expectedVersion: null });
    expect(diagnoses.toContent(value as object)).toEqual(diagnosis);
  });
});
