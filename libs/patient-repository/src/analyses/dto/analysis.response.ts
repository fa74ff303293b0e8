import { ApiProperty } from '@nestjs/swagger';
import type { AnalysisFinding, PatientAnalysis } from '@prisma/client';
import { ENTRY_CATEGORIES } from '../../entries/entry-content';
import type { FindingEvidence } from '../analyser';
import { ANALYSIS_KINDS } from './create-analysis.dto';

export const ANALYSIS_STATUSES = ['QUEUED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED'] as const;
export const FINDING_SEVERITIES = ['INFO', 'LOW', 'MODERATE', 'HIGH', 'CRITICAL'] as const;

/** An analysis as lists show it (without its findings). */
export class AnalysisResponse {
  /** Also the id of its job on the analysis queue. */
  @ApiProperty({ format: 'uuid' })
  id!: string;
  @ApiProperty({ format: 'uuid' })
  repositoryId!: string;
  @ApiProperty({ enum: ANALYSIS_KINDS, enumName: 'AnalysisKind' })
  kind!: string;
  /** 1 (runs first) to 10. */
  @ApiProperty({ type: 'integer', minimum: 1, maximum: 10 })
  priority!: number;
  @ApiProperty({ enum: ANALYSIS_STATUSES, enumName: 'AnalysisStatus' })
  status!: string;
  /** Percent done, reported by the analyser while RUNNING; 100 once COMPLETED. */
  @ApiProperty({ type: 'integer', minimum: 0, maximum: 100 })
  progress!: number;
  /** The user who asked for it (the patient, or a specialist under `grantId`). */
  @ApiProperty({ format: 'uuid' })
  requestedBy!: string;
  @ApiProperty({ enum: ['PATIENT', 'SPECIALIST'] })
  requestedByType!: string;
  /** The consent grant a specialist's request was allowed under. */
  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  grantId!: string | null;
  /** Attempts started so far (a retry or a worker taking over a stalled job adds one). */
  @ApiProperty({ type: 'integer' })
  attempts!: number;
  /** Why the last attempt failed (CONSENT_REVOKED, TIMEOUT, ANALYSER_ERROR, or the analyser's code). */
  @ApiProperty({ type: String, nullable: true })
  errorCode!: string | null;
  @ApiProperty({ type: String, nullable: true })
  errorMessage!: string | null;
  @ApiProperty({ type: 'integer' })
  findingsCount!: number;
  /** The model-provider cost reserved against the monthly budget at creation. */
  estimatedCost!: number;
  /** The model-provider cost of every call made so far (all attempts). */
  cost!: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  cancelRequestedAt!: Date | null;
  /** When the first attempt started. */
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  startedAt!: Date | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  finishedAt!: Date | null;
  createdAt!: Date;
  updatedAt!: Date;
}

/** An entry a finding rests on, at the version the analyser saw. */
export class FindingEvidenceResponse {
  @ApiProperty({ format: 'uuid' })
  entryId!: string;
  @ApiProperty({ enum: ENTRY_CATEGORIES })
  category!: string;
  @ApiProperty({ type: 'integer' })
  version!: number;
}

export class AnalysisFindingResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;
  /** Stable machine code, e.g. VITAL_OUT_OF_RANGE, DRUG_ALLERGY_CONFLICT. */
  code!: string;
  @ApiProperty({ enum: FINDING_SEVERITIES, enumName: 'FindingSeverity' })
  severity!: string;
  /** For a clinician. */
  message!: string;
  @ApiProperty({ type: [FindingEvidenceResponse] })
  evidence!: FindingEvidenceResponse[];
}

/** One analysis with its findings (empty until COMPLETED). */
export class AnalysisDetailResponse extends AnalysisResponse {
  @ApiProperty({ type: [AnalysisFindingResponse] })
  findings!: AnalysisFindingResponse[];
}

/** patient_analyses' columns under the model's field names, for raw statements that return a row. */
export const ANALYSIS_COLUMNS = `id, repository_id AS "repositoryId", kind, priority, status, progress,
  requested_by AS "requestedBy", requested_by_type AS "requestedByType", grant_id AS "grantId", attempts,
  error_code AS "errorCode", error_message AS "errorMessage", findings_count AS "findingsCount",
  estimated_cost AS "estimatedCost", cost, cancel_requested_at AS "cancelRequestedAt", started_at AS "startedAt",
  finished_at AS "finishedAt", created_at AS "createdAt", updated_at AS "updatedAt"`;

export function toAnalysisResponse(row: PatientAnalysis): AnalysisResponse {
  return {
    id: row.id,
    repositoryId: row.repositoryId,
    kind: row.kind,
    priority: row.priority,
    status: row.status,
    progress: row.progress,
    requestedBy: row.requestedBy,
    requestedByType: row.requestedByType,
    grantId: row.grantId,
    attempts: row.attempts,
    errorCode: row.errorCode,
    errorMessage: row.errorMessage,
    findingsCount: row.findingsCount,
    estimatedCost: Number(row.estimatedCost),
    cost: Number(row.cost),
    cancelRequestedAt: row.cancelRequestedAt,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export function toAnalysisDetailResponse(row: PatientAnalysis, findings: AnalysisFinding[]): AnalysisDetailResponse {
  return {
    ...toAnalysisResponse(row),
    findings: findings.map((f) => ({
      id: f.id,
      code: f.code,
      severity: f.severity,
      message: f.message,
      evidence: (f.evidence as unknown as FindingEvidence[]).map((e) => ({
        entryId: e.entryId,
        category: e.category,
        version: e.version,
      })),
    })),
  };
}
