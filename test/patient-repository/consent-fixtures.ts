import { randomBytes } from 'node:crypto';
import { asOwner, type TestTenant, type TestUser } from '../support/identity-fixtures';

/** One more signed-in member of a tenant (the tests' common builder). */
export { addMember } from '../support/identity-fixtures';

/**
 * Builders for the consent and access-log tests: more members of a tenant, and records in a given
 * state made directly as the database owner (the registration and identity-challenge routes are
 * tested in records-*.e2e-spec.ts; these tests need a record that simply exists).
 */

/**
 * A record of `patient` in `status` (ACTIVE: identity verified), inserted as the owner. Its personal
 * information is an opaque placeholder: these tests never decrypt it.
 */
export async function insertRepository(
  tenant: TestTenant,
  patient: TestUser,
  status: 'ACTIVE' | 'PENDING_IDENTITY' = 'ACTIVE',
): Promise<string> {
  return asOwner(async (c) => {
    const { rows } = await c.query<{ id: string }>(
      `INSERT INTO patient_repositories
         (tenant_id, patient_user_id, status, personal_info, key_id, identity_hash, registered_by, verified_at)
       VALUES ($1, $2, $3::"PatientRepositoryStatus", 'k1.test.placeholder', 'test', $4, $5,
               CASE WHEN $3::"PatientRepositoryStatus" = 'ACTIVE' THEN now() END)
       RETURNING id`,
      [tenant.id, patient.userId, status, randomBytes(32), tenant.users.OWNER!.userId],
    );
    return rows[0].id;
  });
}

/** A grant inserted as the owner, for states the API does not make (a period already over). */
export async function insertGrant(
  tenant: TestTenant,
  repositoryId: string,
  specialist: TestUser,
  grant: { scopes: string[]; periodStart: string; periodEnd: string; status?: 'ACTIVE' | 'REVOKED' | 'EXPIRED' },
): Promise<string> {
  return asOwner(async (c) => {
    const { rows } = await c.query<{ id: string }>(
      `INSERT INTO consent_grants
         (tenant_id, repository_id, specialist_user_id, scopes, purpose, period_start, period_end, status,
          revoked_at, expired_at, created_by)
       VALUES ($1, $2, $3, $4::"RecordCategory"[], 'TREAT', now() + $5::interval, now() + $6::interval,
               $7::"ConsentStatus", CASE WHEN $7::"ConsentStatus" = 'REVOKED' THEN now() END,
               CASE WHEN $7::"ConsentStatus" = 'EXPIRED' THEN now() END,
               (SELECT patient_user_id FROM patient_repositories WHERE id = $2))
       RETURNING id`,
      [
        tenant.id,
        repositoryId,
        specialist.userId,
        grant.scopes,
        grant.periodStart,
        grant.periodEnd,
        grant.status ?? 'ACTIVE',
      ],
    );
    return rows[0].id;
  });
}

/** An ISO instant `ms` from now. */
export const fromNow = (ms: number) => new Date(Date.now() + ms).toISOString();
export const DAY = 24 * 60 * 60 * 1000;

export interface AccessLogRow {
  actor_id: string | null;
  actor_role: string | null;
  action: string;
  categories: string[];
  resource_id: string | null;
  grant_id: string | null;
  purpose: string | null;
  outcome: 'ALLOWED' | 'DENIED';
  reason: string | null;
  ip: string | null;
  user_agent: string | null;
}

/** The access log of `repositoryId`, oldest first, as the owner reads it. */
export function accessLogOf(repositoryId: string): Promise<AccessLogRow[]> {
  return asOwner(async (c) => {
    const { rows } = await c.query<AccessLogRow>(
      `SELECT actor_id, actor_role, action, categories::text[] AS categories, resource_id, grant_id, purpose,
              outcome::text AS outcome, reason, host(ip) AS ip, user_agent
         FROM phi_access_log WHERE repository_id = $1 ORDER BY occurred_at, id`,
      [repositoryId],
    );
    return rows;
  });
}
