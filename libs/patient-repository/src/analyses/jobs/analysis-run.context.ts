import type { Job } from 'bull';
import type { AnalysisKind } from '@prisma/client';
import type { PrismaService } from '@itinera/prisma';
import { AnalysisCancelled, type AnalyserContext, type ModelCallUsage } from '../analyser';

/** Progress writes and cancellation reads are at most this often: a fast analysis costs no extra statement. */
const REPORT_INTERVAL_MS = 200;

/** The attempt was taken over (a stalled job run again elsewhere) or ran out of time: stop quietly. */
export class AttemptEnded extends Error {
  constructor(readonly reason: 'SUPERSEDED' | 'TIMEOUT') {
    super(`analysis attempt ended: ${reason}`);
    this.name = 'AttemptEnded';
  }
}

export interface ClaimedAnalysis {
  id: string;
  tenant_id: string;
  repository_id: string;
  kind: AnalysisKind;
  requested_by: string;
  requested_by_type: string;
  role: string | null;
  attempts: number;
  cancel_requested_at: Date | null;
}

/**
 * What an analyser sees of its job during one attempt. Every write is conditional on the attempt
 * still being the current one (`attempts`), so an attempt that was taken over changes nothing.
 */
export class AnalysisRunContext implements AnalyserContext {
  readonly now = new Date();
  private lastProgress = Date.now();
  private lastCheck = Date.now();
  private ended = false;

  constructor(
    private readonly prisma: PrismaService,
    private readonly job: Job,
    private readonly claim: ClaimedAnalysis,
    private readonly deadline: number,
  ) {}

  /** After the attempt ends (completed, failed, timed out) the analyser's late calls do nothing. */
  end(): void {
    this.ended = true;
  }

  async progress(percent: number): Promise<void> {
    // 100 is the completion's to write (with the findings); before it, at most one write per interval.
    if (this.ended || percent >= 100 || !this.due('lastProgress')) return;
    const value = Math.max(0, Math.min(99, Math.round(percent)));
    await Promise.all([
      this.prisma.tenantQuery(
        `UPDATE patient_analyses SET progress = $3, updated_at = now()
          WHERE id = $1::uuid AND attempts = $2 AND status = 'RUNNING' AND progress < $3`,
        [this.claim.id, this.claim.attempts, value],
      ),
      this.job.progress(value),
    ]);
  }

  async checkpoint(): Promise<void> {
    if (this.ended) throw new AttemptEnded('SUPERSEDED');
    if (Date.now() > this.deadline) throw new AttemptEnded('TIMEOUT');
    if (!this.due('lastCheck')) return;
    const [row] = await this.prisma.tenantQuery<{ attempts: number; cancel: boolean }>(
      'SELECT attempts, cancel_requested_at IS NOT NULL AS cancel FROM patient_analyses WHERE id = $1::uuid',
      [this.claim.id],
    );
    if (!row || row.attempts !== this.claim.attempts) throw new AttemptEnded('SUPERSEDED');
    if (row.cancel) throw new AnalysisCancelled();
  }

  /** Recorded whatever happens to the attempt afterwards: the call was made and is paid for. */
  async recordModelCall(usage: ModelCallUsage): Promise<void> {
    await this.prisma.tenantQuery(
      `WITH call AS (
         INSERT INTO analysis_costs (tenant_id, analysis_id, kind, model, input_tokens, output_tokens, cost)
         VALUES (app_current_tenant(), $1::uuid, $2::"AnalysisKind", $3, $4, $5, $6)
         RETURNING cost)
       UPDATE patient_analyses SET cost = cost + (SELECT cost FROM call), updated_at = now() WHERE id = $1::uuid`,
      [this.claim.id, this.claim.kind, usage.model.slice(0, 100), usage.inputTokens, usage.outputTokens, usage.cost],
    );
  }

  private due(timer: 'lastProgress' | 'lastCheck'): boolean {
    const now = Date.now();
    if (now - this[timer] < REPORT_INTERVAL_MS) return false;
    this[timer] = now;
    return true;
  }
}
