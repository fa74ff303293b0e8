import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes, randomInt } from 'node:crypto';
import { asOwner, bearer, type TestTenant, type TestUser } from '../support/identity-fixtures';

import { addMember } from '../support/identity-fixtures';

/** One more signed-in member of a tenant (the tests' common builder). */
export { addMember };

/**
 * Patients and their repositories for e2e tests, made through the real routes: staff register
 * (POST /patient-repositories), the patient passes the identity challenge. Values are unique per
 * call, so tests never collide on the identity hash.
 */

export interface PersonalInfoBody {
  legalName: { given: string[]; family: string };
  dateOfBirth: string;
  sex: 'male' | 'female' | 'other' | 'unknown';
  contact?: { email?: string; phone?: string };
  address: { line: string[]; city: string; state?: string; postalCode: string; country: string };
  identifiers: { system: string; value: string }[];
}

const unique = () => randomBytes(4).toString('hex');

/** Personal information with a unique name, identifier and contact email (never a user's account email). */
export function personalInfo(overrides: Partial<PersonalInfoBody> = {}): PersonalInfoBody {
  const tag = unique();
  const year = 1940 + randomInt(60);
  const month = String(1 + randomInt(12)).padStart(2, '0');
  const day = String(1 + randomInt(28)).padStart(2, '0');
  return {
    legalName: { given: [`Zoë${tag}`, 'Ann'], family: `Núñez-${tag}` },
    dateOfBirth: `${year}-${month}-${day}`,
    sex: 'female',
    contact: { email: `pi-${tag}@contact.example.test`, phone: `+1555${String(randomInt(1e7)).padStart(7, '0')}` },
    address: {
      line: [`${randomInt(1, 999)} Harbour Road`],
      city: 'Porto',
      postalCode: `PC${tag.slice(0, 4)} 9QX`,
      country: 'PT',
    },
    identifiers: [{ system: 'urn:oid:2.16.840.1.113883.4.1', value: `ID-${tag}-${randomInt(1e6)}` }],
    ...overrides,
  };
}

export interface RepositorySummary {
  id: string;
  patientUserId: string;
  status: 'PENDING_IDENTITY' | 'ACTIVE';
  verifiedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** POST /patient-repositories by `staff` for `patient`; throws unless 201. */
export async function registerPatient(
  app: NestFastifyApplication,
  staff: TestUser,
  patient: TestUser,
  info: PersonalInfoBody = personalInfo(),
): Promise<RepositorySummary> {
  const response = await app.inject({
    method: 'POST',
    url: '/patient-repositories',
    payload: { patientUserId: patient.userId, personalInfo: info },
    headers: bearer(staff.accessToken),
  });
  if (response.statusCode !== 201) throw new Error(`registration answered ${response.statusCode}: ${response.body}`);
  return response.json();
}

/** The patient asks for a challenge and answers it right; throws unless the repository is ACTIVE. */
export async function passIdentityChallenge(
  app: NestFastifyApplication,
  patient: TestUser,
  repositoryId: string,
  info: PersonalInfoBody,
): Promise<void> {
  const challenge = await app.inject({
    method: 'POST',
    url: `/patient-repositories/${repositoryId}/identity-challenges`,
    headers: bearer(patient.accessToken),
  });
  if (challenge.statusCode >= 300) throw new Error(`challenge answered ${challenge.statusCode}: ${challenge.body}`);
  const answer = await app.inject({
    method: 'POST',
    url: `/patient-repositories/${repositoryId}/identity-challenges/${challenge.json().id}/answers`,
    payload: { answers: { dateOfBirth: info.dateOfBirth, postalCode: info.address.postalCode } },
    headers: bearer(patient.accessToken),
  });
  if (answer.statusCode !== 200) throw new Error(`answers answered ${answer.statusCode}: ${answer.body}`);
}

/**
 * An ACTIVE repository: a new PATIENT user of the tenant (or `patient`), registered by the
 * tenant's OWNER, verified by the patient.
 */
export async function activeRepository(
  app: NestFastifyApplication,
  tenant: TestTenant,
  options: { patient?: TestUser; info?: PersonalInfoBody } = {},
): Promise<{ repositoryId: string; patient: TestUser; info: PersonalInfoBody }> {
  const patient = options.patient ?? (await addMember(app, tenant, 'PATIENT'));
  const info = options.info ?? personalInfo();
  const repository = await registerPatient(app, tenant.users.OWNER!, patient, info);
  await passIdentityChallenge(app, patient, repository.id, info);
  return { repositoryId: repository.id, patient, info };
}

/**
 * A consent grant written directly as the table owner (independent of the consent routes):
 * live now for a day unless `period` says otherwise.
 */
export async function insertGrant(
  tenantId: string,
  repositoryId: string,
  specialistUserId: string,
  scopes: string[],
  period: { start?: Date; end?: Date } = {},
): Promise<string> {
  const start = period.start ?? new Date(Date.now() - 60_000);
  const end = period.end ?? new Date(Date.now() + 86_400_000);
  return asOwner(async (c) => {
    const { rows } = await c.query<{ id: string }>(
      `INSERT INTO consent_grants (tenant_id, repository_id, specialist_user_id, scopes, purpose, period_start, period_end, created_by)
       SELECT $1, $2, $3, $4::"RecordCategory"[], 'TREAT', $5, $6, patient_user_id FROM patient_repositories WHERE id = $2
       RETURNING id`,
      [tenantId, repositoryId, specialistUserId, scopes, start, end],
    );
    return rows[0].id;
  });
}
