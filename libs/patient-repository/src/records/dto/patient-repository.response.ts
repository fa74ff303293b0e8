import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { RecordCategory } from '@prisma/client';
import { RECORD_CATEGORIES } from '../../access/record-access.types';

export const REPOSITORY_STATUSES = ['PENDING_IDENTITY', 'ACTIVE'] as const;
export type RepositoryStatusName = (typeof REPOSITORY_STATUSES)[number];

/** A repository as anyone who may know of it sees it: ids, status and dates, never personal information. */
export class PatientRepositoryResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;
  /** The patient (a user of the tenant with the PATIENT role). */
  @ApiProperty({ format: 'uuid' })
  patientUserId!: string;
  /** PENDING_IDENTITY until the patient passes an identity challenge, then ACTIVE. */
  @ApiProperty({ enum: REPOSITORY_STATUSES })
  status!: RepositoryStatusName;
  /** When the patient passed the identity challenge. */
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  verifiedAt!: Date | null;
  createdAt!: Date;
  updatedAt!: Date;
}

/** A live consent grant to the specialist who lists the repository. */
export class SharedGrantResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;
  /** The categories the grant lets the specialist read. */
  @ApiProperty({ enum: RECORD_CATEGORIES, isArray: true })
  scopes!: RecordCategory[];
  /** The v3 PurposeOfUse code the grant was given for. */
  purpose!: string;
  periodStart!: Date;
  periodEnd!: Date;
}

/** A repository in a list; for a specialist, with the live grants that share it with them. */
export class PatientRepositoryListItemResponse extends PatientRepositoryResponse {
  /** Only in a specialist's list: their live grants on this repository. */
  @ApiPropertyOptional({ type: [SharedGrantResponse] })
  grants?: SharedGrantResponse[];
}

/** The columns of patient_repositories a summary needs. */
export interface RepositorySummaryRow {
  id: string;
  patient_user_id: string;
  status: string;
  verified_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export const SUMMARY_COLUMNS = 'r.id, r.patient_user_id, r.status, r.verified_at, r.created_at, r.updated_at';

export function toPatientRepositoryResponse(row: RepositorySummaryRow): PatientRepositoryResponse {
  return {
    id: row.id,
    patientUserId: row.patient_user_id,
    status: row.status as RepositoryStatusName,
    verifiedAt: row.verified_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
