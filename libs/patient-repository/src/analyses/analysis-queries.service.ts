import { Injectable } from '@nestjs/common';
import type { AnalysisKind } from '@prisma/client';
import { PageQueryDto, TimeIdCursor, toPage, type Page, type Principal } from '@itinera/platform';
import { PrismaService } from '@itinera/prisma';
import { PatientRecordAccess } from '../access/patient-record-access.service';
import { accessActorOf } from '../access/record-access.types';
import { ENTRY_CATEGORIES } from '../entries/entry-content';
import { recordNotFound } from '../patient-repository.errors';
import { AnalyserRegistry } from './analysers/analyser-registry';
import { ANALYSIS_KINDS } from './dto/create-analysis.dto';
import {
  toAnalysisDetailResponse,
  toAnalysisResponse,
  type AnalysisDetailResponse,
  type AnalysisResponse,
} from './dto/analysis.response';
import type { AnalysisStatsQuery } from './dto/analysis-stats.query';
import type { AnalysisStatsResponse } from './dto/analysis-stats.response';

interface StatsRow {
  kind: AnalysisKind;
  runs: number;
  failures: number;
  cancellations: number;
  mean_ms: number;
  p95_ms: number;
}

/** Reading analyses (through the consent check, like every read of health data) and the analysers' statistics. */
@Injectable()
export class AnalysisQueriesService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly access: PatientRecordAccess,
    private readonly analysers: AnalyserRegistry,
  ) {}

  /**
   * Newest first. A specialist sees the analyses whose every category their grant covers (whoever
   * asked for them); the patient sees all.
   */
  list(principal: Principal, repositoryId: string, query: PageQueryDto): Promise<Page<AnalysisResponse>> {
    const after = TimeIdCursor.decode(query.cursor);
    return this.access.read(
      accessActorOf(principal),
      { repositoryId, action: 'LIST', categories: ENTRY_CATEGORIES, partial: true },
      async (tx, access) => {
        const visible = ANALYSIS_KINDS.filter((kind) =>
          this.analysers.get(kind).categories.every((c) => access.categories.includes(c)),
        );
        const rows = await tx.patientAnalysis.findMany({
          where: { repositoryId, kind: { in: visible }, ...TimeIdCursor.after(after, 'desc') },
          orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
          take: query.limit + 1,
        });
        return toPage(rows, query.limit, TimeIdCursor.cursorOf, toAnalysisResponse);
      },
    );
  }

  /** One analysis with its findings; the consent check covers its analyser's categories. */
  async get(principal: Principal, repositoryId: string, analysisId: string): Promise<AnalysisDetailResponse> {
    const [known] = await this.prisma.tenantQuery<{ kind: AnalysisKind }>(
      'SELECT kind FROM patient_analyses WHERE id = $1::uuid AND repository_id = $2::uuid',
      [analysisId, repositoryId],
    );
    return this.access.read(
      accessActorOf(principal),
      {
        repositoryId,
        action: 'READ',
        // For an unknown id, whatever the caller may see: the record's 404/403 comes first, then the analysis's 404.
        categories: known ? this.analysers.get(known.kind).categories : ENTRY_CATEGORIES,
        partial: !known,
        resourceId: analysisId,
      },
      async (tx) => {
        const row = known && (await tx.patientAnalysis.findUnique({ where: { id: analysisId } }));
        if (!row) throw recordNotFound('analysis');
        const findings = await tx.analysisFinding.findMany({
          where: { analysisId },
          orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
        });
        return toAnalysisDetailResponse(row, findings);
      },
    );
  }

  /** Per analyser: attempts, failures, cancellations, mean and p95 duration over analysis_runs in the range. */
  async stats(query: AnalysisStatsQuery): Promise<AnalysisStatsResponse> {
    const rows = await this.prisma.tenantQuery<StatsRow>(
      `SELECT kind,
              count(*)::int AS runs,
              (count(*) FILTER (WHERE outcome = 'FAILED'))::int AS failures,
              (count(*) FILTER (WHERE outcome = 'CANCELLED'))::int AS cancellations,
              avg(duration_ms)::float8 AS mean_ms,
              percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms)::float8 AS p95_ms
         FROM analysis_runs
        WHERE ($1::timestamptz IS NULL OR finished_at >= $1) AND ($2::timestamptz IS NULL OR finished_at < $2)
        GROUP BY kind ORDER BY kind`,
      [query.from ?? null, query.to ?? null],
    );
    return {
      from: query.from ?? null,
      to: query.to ?? null,
      kinds: rows.map((r) => ({
        kind: r.kind,
        runs: r.runs,
        failures: r.failures,
        cancellations: r.cancellations,
        meanDurationMs: Math.round(r.mean_ms * 10) / 10,
        p95DurationMs: Math.round(r.p95_ms * 10) / 10,
      })),
    };
  }
}
