import { Injectable, Logger } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bull';
import type { Queue } from 'bull';
import { randomUUID } from 'node:crypto';
import type { PatientAnalysis } from '@prisma/client';
import { AppConfig, type Principal } from '@itinera/platform';
import { AuditService } from '@itinera/audit';
import { ANALYSIS_QUEUE, OutboxService } from '@itinera/queues';
import { PatientRecordAccess } from '../access/patient-record-access.service';
import { accessActorOf } from '../access/record-access.types';
import { recordNotFound } from '../patient-repository.errors';
import { AnalyserRegistry } from './analysers/analyser-registry';
import { AnalysisBudgetService } from './costs/analysis-budget.service';
import { analysisFinished, modelProviderNotConfigured, notTheRequester } from './analysis.errors';
import type { CreateAnalysisDto } from './dto/create-analysis.dto';
import { ANALYSIS_COLUMNS, toAnalysisResponse, type AnalysisResponse } from './dto/analysis.response';
import { analysisJobOptions } from './jobs/analysis-job-options';

const AUDIT_RESOURCE = 'patient-analysis';

/**
 * Requesting and cancelling analyses. A request is a consent-checked read (action ANALYSIS over the
 * analyser's categories, logged) whose transaction also reserves budget, inserts the row, audits it
 * and puts its job in the outbox with the analysis id as the Bull job id.
 */
@Injectable()
export class AnalysisRequestsService {
  private readonly logger = new Logger(AnalysisRequestsService.name);

  constructor(
    private readonly access: PatientRecordAccess,
    private readonly analysers: AnalyserRegistry,
    private readonly budget: AnalysisBudgetService,
    private readonly outbox: OutboxService,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    @InjectQueue(ANALYSIS_QUEUE) private readonly queue: Queue,
  ) {}

  async request(principal: Principal, repositoryId: string, body: CreateAnalysisDto): Promise<AnalysisResponse> {
    if (!this.analysers.isAvailable(body.kind)) throw modelProviderNotConfigured();
    const analyser = this.analysers.get(body.kind);
    const estimatedCost = this.budget.estimateCost(body.kind);
    const id = randomUUID();
    const actor = accessActorOf(principal);
    const row = await this.access.read(
      actor,
      { repositoryId, action: 'ANALYSIS', categories: analyser.categories, resourceId: id },
      async (tx, access) => {
        // Before the insert, so this request's own estimate is counted once.
        if (estimatedCost > 0) await this.budget.reserve(tx, principal.tenantId!, estimatedCost);
        // Raw: the hot path of the queue, where Prisma's query building costs more than the insert.
        const [created] = await tx.$queryRawUnsafe<PatientAnalysis[]>(
          `INSERT INTO patient_analyses
             (id, tenant_id, repository_id, kind, priority, requested_by, requested_by_type, grant_id, estimated_cost)
           VALUES ($1::uuid, app_current_tenant(), $2::uuid, $3::"AnalysisKind", $4, $5::uuid, $6, $7::uuid, $8)
           RETURNING ${ANALYSIS_COLUMNS}`,
          id,
          repositoryId,
          body.kind,
          body.priority,
          actor.id,
          access.via === 'PATIENT' ? 'PATIENT' : 'SPECIALIST',
          access.grantId ?? null,
          estimatedCost,
        );
        await this.outbox.enqueue(tx, {
          queue: ANALYSIS_QUEUE,
          job: 'analysis-run',
          data: { tenantId: principal.tenantId!, analysisId: id },
          id,
          priority: body.priority,
          ...analysisJobOptions(this.config),
        });
        // Last: the audit chain's per-tenant lock is then held only until the commit.
        await this.audit.record(tx, {
          action: 'patient-analysis.requested',
          resourceType: AUDIT_RESOURCE,
          resourceId: id,
          after: { repositoryId, kind: body.kind, priority: body.priority, status: created.status, estimatedCost },
          metadata: access.grantId ? { grantId: access.grantId } : undefined,
        });
        return created;
      },
    );
    return toAnalysisResponse(row);
  }

  /**
   * QUEUED: CANCELLED at once, and the waiting job removed from Bull (after the commit; a job not yet
   * relayed, or one a worker holds, is skipped by the worker, which re-reads the row). RUNNING: the
   * cancellation is recorded and the job stops at its next checkpoint. Finished: 409.
   */
  async cancel(principal: Principal, repositoryId: string, analysisId: string): Promise<AnalysisResponse> {
    const actor = accessActorOf(principal);
    const { row, removeJob } = await this.access.read(
      actor,
      // No category: cancelling reads no health data, but the caller must know the record (the
      // patient, or a specialist with a live grant on it); anyone else gets the access check's 404.
      { repositoryId, action: 'READ', categories: [], resourceId: analysisId },
      async (tx, access) => {
        // Locked, so a worker's claim or completion and this cancellation happen one after the other.
        const [locked] = await tx.$queryRaw<{ id: string }[]>`
          SELECT id FROM patient_analyses WHERE id = ${analysisId}::uuid AND repository_id = ${repositoryId}::uuid FOR UPDATE`;
        if (!locked) throw recordNotFound('analysis');
        const before = await tx.patientAnalysis.findUniqueOrThrow({ where: { id: analysisId } });
        if (before.requestedBy !== actor.id && access.via !== 'PATIENT') throw notTheRequester();
        if (before.status !== 'QUEUED' && before.status !== 'RUNNING') throw analysisFinished(before.status);
        if (before.cancelRequestedAt) return { row: before, removeJob: false };
        const now = new Date();
        const queued = before.status === 'QUEUED';
        const after = await tx.patientAnalysis.update({
          where: { id: analysisId },
          data: queued
            ? { status: 'CANCELLED', cancelRequestedAt: now, finishedAt: now, updatedAt: now }
            : { cancelRequestedAt: now, updatedAt: now },
        });
        await this.audit.record(tx, {
          action: queued ? 'patient-analysis.cancelled' : 'patient-analysis.cancel-requested',
          resourceType: AUDIT_RESOURCE,
          resourceId: analysisId,
          before: { status: before.status },
          after: { status: after.status },
        });
        return { row: after, removeJob: queued };
      },
    );
    if (removeJob) await this.removeWaitingJob(analysisId);
    return toAnalysisResponse(row);
  }

  /** Best effort: the row is CANCELLED already, so a job left behind is skipped when it runs. */
  private async removeWaitingJob(analysisId: string): Promise<void> {
    try {
      const job = await this.queue.getJob(analysisId);
      // Not one a worker holds (active): that one stops at its claim, which finds the row CANCELLED.
      if (job && ['waiting', 'paused', 'delayed'].includes(await job.getState())) await job.remove();
    } catch (error) {
      this.logger.warn(
        { analysisId, reason: error instanceof Error ? error.message : String(error) },
        'could not remove the cancelled analysis job',
      );
    }
  }
}
