import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes, randomUUID } from 'node:crypto';
import type { RecordCategory } from '@prisma/client';
import { personalInfoAad, RecordCipher } from '@itinera/patient-repository';
import {
  asOwner,
  bearer,
  createPlatformAdmin,
  createTenant,
  type TestTenant,
  type TestUser,
} from '../support/identity-fixtures';

/** One more signed-in member of a tenant (the tests' common builder). */
export { addMember } from '../support/identity-fixtures';

/**
 * Records for the entry and export tests. Entries and exports go through the real API; the
 * repository itself and consent grants are rows written as the database owner (registration and
 * the grant routes are other tests' subject), with personal information sealed by the app's own
 * RecordCipher exactly as registration stores it.
 */

export const PERSONAL_INFO = {
  legalName: { given: ['Ada', 'Maria'], family: 'Quintero' },
  dateOfBirth: '1984-03-09',
  sex: 'female',
  contact: { email: 'ada.quintero@example.test', phone: '+15551234567' },
  address: { line: ['12 Harbour Lane'], city: 'Portsmouth', state: 'NH', postalCode: '03801', country: 'US' },
  identifiers: [{ system: 'urn:oid:2.16.840.1.113883.4.1', value: '123-45-6789' }],
};

export interface EntriesWorld {
  tenant: TestTenant;
  patient: TestUser;
  specialist: TestUser;
  repositoryId: string;
}

/** A tenant with OWNER, ADMIN, PATIENT and SPECIALIST users and an ACTIVE repository for the patient. */
export async function entriesWorld(app: NestFastifyApplication): Promise<EntriesWorld> {
  const admin = await createPlatformAdmin(app);
  const tenant = await createTenant(app, admin, ['OWNER', 'ADMIN', 'PATIENT', 'SPECIALIST']);
  const patient = tenant.users.PATIENT!;
  const repositoryId = await activeRepository(app, tenant, patient.userId);
  return { tenant, patient, specialist: tenant.users.SPECIALIST!, repositoryId };
}

/** An ACTIVE (identity verified) repository of `patientUserId`. */
export async function activeRepository(
  app: NestFastifyApplication,
  tenant: TestTenant,
  patientUserId: string,
  info: object = PERSONAL_INFO,
): Promise<string> {
  const id = randomUUID();
  const sealed = app.get(RecordCipher).seal(info, personalInfoAad(id));
  await asOwner((c) =>
    c.query(
      `INSERT INTO patient_repositories
         (id, tenant_id, patient_user_id, status, personal_info, key_id, identity_hash, registered_by, verified_at)
       VALUES ($1, $2, $3, 'ACTIVE', $4, $5, $6, $7, now())`,
      [id, tenant.id, patientUserId, sealed.ciphertext, sealed.keyId, randomBytes(32), tenant.users.OWNER!.userId],
    ),
  );
  return id;
}

/** A consent grant row: ACTIVE, from an hour ago until `endsInMs` from now. */
export async function grantConsent(
  world: EntriesWorld,
  specialistUserId: string,
  scopes: RecordCategory[],
  endsInMs = 3_600_000,
): Promise<string> {
  const { rows } = await asOwner((c) =>
    c.query<{ id: string }>(
      `INSERT INTO consent_grants
         (tenant_id, repository_id, specialist_user_id, scopes, purpose, period_start, period_end, created_by)
       VALUES ($1, $2, $3, $4::"RecordCategory"[], 'TREAT', now() - interval '1 hour',
               now() + make_interval(secs => $5::double precision / 1000), $6)
       RETURNING id`,
      [world.tenant.id, world.repositoryId, specialistUserId, scopes, endsInMs, world.patient.userId],
    ),
  );
  return rows[0].id;
}

/** One valid body per category's route segment, and a changed one for updates. */
export const SAMPLES: Record<string, { create: Record<string, unknown>; update: Record<string, unknown> }> = {
  diagnoses: {
    create: { icd10Code: 'E11.9', description: 'Type 2 diabetes mellitus', status: 'ACTIVE', onsetDate: '2019-04-02' },
    update: {
      icd10Code: 'E11.65',
      description: 'Type 2 diabetes with hyperglycemia',
      status: 'ACTIVE',
      onsetDate: '2019-04-02',
    },
  },
  medications: {
    create: {
      name: 'metformin 500 mg tablet',
      rxnormCode: '860975',
      dose: '500 mg',
      route: 'ORAL',
      frequency: 'twice daily',
      startDate: '2019-05-01',
      status: 'ACTIVE',
    },
    update: {
      name: 'metformin 500 mg tablet',
      rxnormCode: '860975',
      dose: '1000 mg',
      route: 'ORAL',
      frequency: 'twice daily',
      startDate: '2019-05-01',
      endDate: '2024-01-31',
      status: 'COMPLETED',
    },
  },
  allergies: {
    create: { substance: 'penicillin', reaction: 'hives', severity: 'MODERATE', status: 'ACTIVE' },
    update: {
      substance: 'penicillin',
      reaction: 'anaphylaxis',
      severity: 'SEVERE',
      status: 'ACTIVE',
      onsetDate: '2001-07-15',
    },
  },
  'vital-signs': {
    create: { type: 'BLOOD_PRESSURE', systolic: 128, diastolic: 84, measuredAt: '2026-11-20T08:30:00.000Z' },
    update: { type: 'BLOOD_PRESSURE', systolic: 124, diastolic: 82, measuredAt: '2026-11-20T08:30:00.000Z' },
  },
  procedures: {
    create: { cptCode: '45378', description: 'Diagnostic colonoscopy', performedDate: '2023-09-12' },
    update: { cptCode: '45380', description: 'Colonoscopy with biopsy', performedDate: '2023-09-12', notes: 'benign' },
  },
  immunizations: {
    create: { cvxCode: '208', vaccine: 'COVID-19 mRNA', date: '2021-05-01', doseNumber: 1, lotNumber: 'EW0182' },
    update: { cvxCode: '208', vaccine: 'COVID-19 mRNA', date: '2021-05-01', doseNumber: 2, lotNumber: 'EW0182' },
  },
  'family-history': {
    create: { relation: 'MTH', condition: 'type 2 diabetes', icd10Code: 'E11.9', ageAtOnset: 52 },
    update: { relation: 'MTH', condition: 'type 2 diabetes', icd10Code: 'E11.9', ageAtOnset: 49, deceased: true },
  },
};

export const SEGMENT_CATEGORY: Record<string, RecordCategory> = {
  diagnoses: 'DIAGNOSES',
  medications: 'MEDICATIONS',
  allergies: 'ALLERGIES',
  'vital-signs': 'VITAL_SIGNS',
  procedures: 'PROCEDURES',
  immunizations: 'IMMUNIZATIONS',
  'family-history': 'FAMILY_HISTORY',
};

/** A JSON request through the app; answers status, body and headers. */
export async function call(
  app: NestFastifyApplication,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  url: string,
  token: string,
  payload?: unknown,
  headers: Record<string, string> = {},
) {
  const response = await app.inject({
    method,
    url,
    headers: { ...bearer(token), ...headers },
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
  return {
    status: response.statusCode,
    body: response.body ? (response.json() as any) : undefined,
    headers: response.headers,
  };
}
