import { Injectable } from '@nestjs/common';
import type { RecordCategory } from '@prisma/client';
import { TimeIdCursor, toPage, type Page, type PageQueryDto, type UserPrincipal } from '@itinera/platform';
import { PrismaService } from '@itinera/prisma';
import { recordNotFound } from '../patient-repository.errors';
import {
  SUMMARY_COLUMNS,
  toPatientRepositoryResponse,
  type PatientRepositoryListItemResponse,
  type PatientRepositoryResponse,
  type RepositorySummaryRow,
} from './dto/patient-repository.response';

/** Staff who administer patients: they see every repository's summary (never its contents). */
export const PATIENT_STAFF_ROLES = ['OWNER', 'ADMIN', 'MANAGER'] as const;

interface GrantJson {
  id: string;
  scopes: RecordCategory[];
  purpose: string;
  periodStart: string;
  periodEnd: string;
}

interface ListRow extends RepositorySummaryRow {
  grants: GrantJson[] | null;
}

/** A grant to $1 that is live right now: ACTIVE and inside its period (the expiry job may not have run yet). */
const LIVE_GRANT_TO_CALLER = `g.repository_id = r.id AND g.specialist_user_id = $1::uuid AND g.status = 'ACTIVE'
  AND g.period_start <= now() AND g.period_end > now()`;

/**
 * Who may know of which repositories: staff (OWNER, ADMIN, MANAGER) of all of the tenant's, a
 * patient of their own, a specialist of those a live grant shares with them. Erased repositories
 * are gone for everyone. Summaries only: nothing here reads personal information or health data,
 * so nothing here goes through the consent check or the access log.
 */
@Injectable()
export class PatientRepositoryQueriesService {
  constructor(private readonly prisma: PrismaService) {}

  /** One keyset page, newest first, on the (tenant_id, created_at DESC, id DESC) index; one round trip. */
  async list(principal: UserPrincipal, query: PageQueryDto): Promise<Page<PatientRepositoryListItemResponse>> {
    const after = TimeIdCursor.decode(query.cursor);
    const values: unknown[] = [principal.userId, query.limit + 1];
    const conditions = [`r.status <> 'ERASED'`];
    let grants = '';
    if (principal.role === 'PATIENT') {
      conditions.push('r.patient_user_id = $1::uuid');
    } else if (principal.role === 'SPECIALIST') {
      conditions.push(`EXISTS (SELECT 1 FROM consent_grants g WHERE ${LIVE_GRANT_TO_CALLER})`);
      grants = `, (SELECT json_agg(json_build_object('id', g.id, 'scopes', g.scopes, 'purpose', g.purpose,
                     'periodStart', g.period_start, 'periodEnd', g.period_end) ORDER BY g.period_end DESC, g.id)
                   FROM consent_grants g WHERE ${LIVE_GRANT_TO_CALLER}) AS grants`;
    } else {
      // Staff: the caller's id is not needed, but keeps the parameter numbering of the others.
      conditions.push('$1::uuid IS NOT NULL');
    }
    if (after) {
      values.push(after.createdAt, after.id);
      conditions.push('(r.created_at, r.id) < ($3::timestamptz, $4::uuid)');
    }
    const rows = await this.prisma.tenantQuery<ListRow>(
      `SELECT ${SUMMARY_COLUMNS}${grants} FROM patient_repositories r
        WHERE ${conditions.join(' AND ')}
        ORDER BY r.created_at DESC, r.id DESC LIMIT $2`,
      values,
    );
    return toPage(
      rows,
      query.limit,
      (row) => TimeIdCursor.cursorOf({ createdAt: row.created_at, id: row.id }),
      (row) => ({
        ...toPatientRepositoryResponse(row),
        ...(principal.role === 'SPECIALIST'
          ? {
              grants: (row.grants ?? []).map((g) => ({
                id: g.id,
                scopes: g.scopes,
                purpose: g.purpose,
                periodStart: new Date(g.periodStart),
                periodEnd: new Date(g.periodEnd),
              })),
            }
          : {}),
      }),
    );
  }

  /** The summary, for staff, the patient, or a specialist with a live grant; 404 for anyone else. */
  async get(principal: UserPrincipal, repositoryId: string): Promise<PatientRepositoryResponse> {
    const [row] = await this.prisma.tenantQuery<RepositorySummaryRow>(
      `SELECT ${SUMMARY_COLUMNS} FROM patient_repositories r
        WHERE r.id = $2::uuid AND r.status <> 'ERASED'
          AND ($3::boolean OR r.patient_user_id = $1::uuid
               OR ($4::boolean AND EXISTS (SELECT 1 FROM consent_grants g WHERE ${LIVE_GRANT_TO_CALLER})))`,
      [
        principal.userId,
        repositoryId,
        (PATIENT_STAFF_ROLES as readonly string[]).includes(principal.role ?? ''),
        principal.role === 'SPECIALIST',
      ],
    );
    if (!row) throw recordNotFound();
    return toPatientRepositoryResponse(row);
  }
}
