import { Injectable, Logger } from '@nestjs/common';
import type { Job } from 'bull';
import { AppConfig, AppError, RequestContext, type TenantRole } from '@itinera/platform';
import { pgTransaction, PrismaService } from '@itinera/prisma';
import type { AnalysisRunData } from '@itinera/queues';
import { PatientRecordAccess } from '../../access/patient-record-access.service';
import { currentAccessContext, type AccessActor, type AccessContext } from '../../access/record-access.types';
import type { DecryptedEntry, EntryCategory } from '../../entries/entry-content';
import { PatientEntryReader } from '../../entries/patient-entry.reader';
import { AnalysisCancelled, type FindingInput } from '../analyser';
import { AnalyserFailure } from '../analysers/analyser-failure';
import { AnalyserRegistry } from '../analysers/analyser-registry';
import { ANALYSIS_FAILURES } from '../analysis.errors';
import { AnalysisRunContext, AttemptEnded, type ClaimedAnalysis } from './analysis-run.context';
import { CallCoalescer, type Settled } from './call-coalescer';

export type RunOutcome = 'COMPLETED' | 'CANCELLED' | 'SKIPPED' | 'SUPERSEDED';

/** Thrown to Bull when an attempt fails: a fixed message naming the code, never the cause's text. */
export class AnalysisAttemptFailed extends Error {
  constructor(
    readonly code: string,
    readonly final: boolean,
  ) {
    super(`analysis attempt failed: ${code}`);
    this.name = 'AnalysisAttemptFailed';
  }
}

const AUDIT_RESOURCE = 'patient-analysis';
const ERROR_CODE = /^[A-Z][A-Z0-9_]{0,59}$/;

/**
 * How the common path's statements are batched across the jobs one worker runs at once
 * (ANALYSIS_CONCURRENCY), per tenant and phase: the calls that reach the phase in the same
 * event-loop turn go to PostgreSQL together (at most 100 in one statement), and while one batch
 * of the tenant is in flight the next collects the calls that arrive meanwhile. A tenant's
 * completions wait for each other anyway (its audit chain's lock); claims and reads lose little,
 * and larger batches mean fewer commits, each a disk flush, which bounded the worker.
 */
const BATCH = { maxBatch: 100, windowMs: 0, maxInFlight: 1 };

/**
 * The claim commits without waiting for its WAL to reach the disk. Safe because nothing depends on
 * a claim that is lost: every later write of the attempt (the access-log rows, the completion, an
 * attempt's end) commits synchronously and, the WAL being one sequence, makes the claim durable
 * first; if PostgreSQL crashes before that, those writes fail and Bull retries the job, which
 * claims again from what was durable. It saves one disk flush per batch, the bound of the worker
 * on a machine with slow flushes (most of the worker's waiting was WALWrite).
 */
const ASYNC_COMMIT_SQL = "SELECT set_config('synchronous_commit', 'off', true)";

/**
 * The claim of the analyses whose ids are $1 (QUEUED or RUNNING -> RUNNING, attempts + 1), returning
 * their columns (ClaimedAnalysis) with the requester's current role.
 */
const CLAIM_SQL = `UPDATE patient_analyses a
    SET status = 'RUNNING', attempts = a.attempts + 1, started_at = coalesce(a.started_at, now()), updated_at = now()
  WHERE a.id = ANY($1::uuid[]) AND a.status IN ('QUEUED', 'RUNNING')
 RETURNING a.id, a.tenant_id, a.repository_id, a.kind, a.requested_by, a.requested_by_type, a.attempts,
           a.cancel_requested_at,
           (SELECT m.role::text FROM memberships m WHERE m.tenant_id = a.tenant_id AND m.user_id = a.requested_by) AS role`;

/** What one job's read of its entries needs in a batch (readEntries). */
interface EntriesRead {
  claim: ClaimedAnalysis;
  actor: AccessActor;
  categories: readonly EntryCategory[];
  context: AccessContext;
}

/** One job's completion in a batch (completeMany): its claim, findings, timing and audit entry's values. */
interface Completion {
  claim: ClaimedAnalysis;
  findings: { code: string; severity: string; message: string; evidence: unknown[] }[];
  startedAt: Date;
  durationMs: number;
  actorType: string;
  actorId: string | null;
  requestId: string | null;
}

/**
 * One attempt of one analysis, in a handful of statements: claim the row (QUEUED or RUNNING ->
 * RUNNING, attempts + 1; anything else is skipped), read the entries through the consent check,
 * run the analyser, then in one transaction replace the findings, finish the row, append the run and
 * audit. Every write after the claim is conditional on the claim's attempt number, so when a stalled
 * job is run again elsewhere only the newest attempt can finish it: it completes exactly once.
 */
@Injectable()
export class AnalysisRunner {
  private readonly logger = new Logger(AnalysisRunner.name);
  /** The common path's three phases, each batched per tenant (see BATCH). */
  private readonly claims = new CallCoalescer<string, ClaimedAnalysis | undefined>(
    (tenantId, ids) => this.claimMany(tenantId, ids),
    BATCH,
  );
  private readonly reads = new CallCoalescer<EntriesRead, DecryptedEntry[]>(
    (tenantId, reads) => this.readMany(tenantId, reads),
    BATCH,
  );
  private readonly completions = new CallCoalescer<Completion, boolean>(
    (tenantId, completions) => this.completeMany(tenantId, completions),
    BATCH,
  );

  constructor(
    private readonly prisma: PrismaService,
    private readonly access: PatientRecordAccess,
    private readonly reader: PatientEntryReader,
    private readonly analysers: AnalyserRegistry,
    private readonly config: AppConfig,
  ) {}

  async run(job: Job<AnalysisRunData>): Promise<RunOutcome> {
    const claim = await this.claims.call(job.data.tenantId, job.data.analysisId);
    if (!claim) return 'SKIPPED';
    const startedAt = new Date();
    const deadline = startedAt.getTime() + this.config.get('ANALYSIS_TIMEOUT_MS', { infer: true });
    const context = new AnalysisRunContext(this.prisma, job, claim, deadline);
    try {
      if (claim.cancel_requested_at) throw new AnalysisCancelled();
      const findings = await this.analyse(claim, context, deadline);
      context.end();
      return await this.complete(claim, findings, startedAt);
    } catch (error) {
      context.end();
      if (error instanceof AnalysisCancelled) return this.cancelled(claim, startedAt);
      if (error instanceof AttemptEnded && error.reason === 'SUPERSEDED') return 'SUPERSEDED';
      const code = failureCode(error);
      const final = isFinal(error) || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (code === 'ANALYSER_ERROR') {
        // The type and stack only: an analyser's message may quote the record.
        this.logger.warn({ analysisId: claim.id, kind: claim.kind, error: (error as Error)?.name }, 'analyser failed');
      }
      await this.failed(claim, code, failureMessage(error, code), final, startedAt);
      if (final && job.attemptsMade + 1 < (job.opts.attempts ?? 1)) await job.discard();
      throw new AnalysisAttemptFailed(code, final);
    }
  }

  /**
   * Claims a batch of one tenant's analyses in one statement: each QUEUED or RUNNING one becomes
   * RUNNING with attempts + 1 (anything else: undefined, the job is skipped). An id twice in the
   * batch (a stalled job run again while its first run is still here) is claimed again on its own,
   * after, so that each run has its own attempt as when claimed one at a time.
   */
  private async claimMany(tenantId: string, ids: string[]): Promise<Settled<ClaimedAnalysis | undefined>[]> {
    const unique = [...new Set(ids)];
    // One round trip: BEGIN, the scope, the commit setting, the claim and COMMIT.
    const rows = await pgTransaction(
      this.prisma,
      (tx) => {
        tx.defer({ text: ASYNC_COMMIT_SQL });
        return tx.query<ClaimedAnalysis>(CLAIM_SQL, [unique], { commit: true });
      },
      { tenantId },
    );
    const claimed = new Map(rows.map((row) => [row.id, row]));
    const outcomes: Settled<ClaimedAnalysis | undefined>[] = [];
    const seen = new Set<string>();
    for (const id of ids) {
      if (!seen.has(id)) {
        seen.add(id);
        outcomes.push({ ok: true, value: claimed.get(id) });
        continue;
      }
      try {
        const [again] = await this.prisma.tenantQuery<ClaimedAnalysis>(CLAIM_SQL, [[id]], { tenantId });
        outcomes.push({ ok: true, value: again });
      } catch (error) {
        outcomes.push({ ok: false, error });
      }
    }
    return outcomes;
  }

  /**
   * The entries of a batch of one tenant's analyses, each read through the consent check as its own
   * requester and job (PatientRecordAccess.readEach: one transaction, two round trips, the entries
   * read with COMMIT). A refused read rejects its own job only, with the error `read` would throw.
   */
  private async readMany(tenantId: string, reads: EntriesRead[]): Promise<Settled<DecryptedEntry[]>[]> {
    const { value: entries, refusals } = await this.access.readEach(
      reads.map(({ claim, actor, categories, context }) => ({
        actor,
        request: {
          repositoryId: claim.repository_id,
          action: 'ANALYSIS',
          categories: [...categories],
          resourceId: claim.id,
        },
        context,
      })),
      (tx, accesses) =>
        this.reader.readLiveMany(
          tx,
          accesses.map(
            (access) =>
              access && { repositoryId: access.repositoryId, categories: access.categories as EntryCategory[] },
          ),
          { commit: true },
        ),
      { tenantId },
    );
    return reads.map((_, i) => {
      const refusal = refusals[i];
      return refusal ? { ok: false, error: refusal } : entries[i];
    });
  }

  /** Reads the entries as the requester (a SYSTEM actor naming them), then runs the analyser against the deadline. */
  private async analyse(
    claim: ClaimedAnalysis,
    context: AnalysisRunContext,
    deadline: number,
  ): Promise<FindingInput[]> {
    const analyser = this.analysers.get(claim.kind);
    const actor = {
      type: 'SYSTEM' as const,
      id: claim.requested_by,
      role: (claim.role ?? undefined) as TenantRole | undefined,
    };
    let entries;
    try {
      entries = await this.reads.call(claim.tenant_id, {
        claim,
        actor,
        categories: analyser.categories,
        context: currentAccessContext(),
      });
    } catch (error) {
      // Refused now although allowed at creation: the grant was revoked or expired, or the record erased.
      if (error instanceof AppError && (error.status === 403 || error.status === 404)) {
        throw new AnalysisAttemptFailed(
          claim.requested_by_type === 'SPECIALIST' ? 'CONSENT_REVOKED' : 'RECORD_UNAVAILABLE',
          true,
        );
      }
      throw error;
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new AttemptEnded('TIMEOUT')), Math.max(0, deadline - Date.now()));
    });
    try {
      return await Promise.race([analyser.run(entries, context), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async complete(claim: ClaimedAnalysis, findings: FindingInput[], startedAt: Date): Promise<RunOutcome> {
    const actor = RequestContext.get('actor') ?? { type: 'SYSTEM' as const };
    const finished = await this.completions.call(claim.tenant_id, {
      claim,
      findings: findings.map((f) => ({
        code: f.code,
        severity: f.severity,
        message: f.message.slice(0, 1_000),
        evidence: f.evidence.map((e) => ({ entryId: e.entryId, category: e.category, version: e.version })),
      })),
      startedAt,
      durationMs: Date.now() - startedAt.getTime(),
      actorType: actor.type,
      actorId: actor.id ?? null,
      requestId: RequestContext.get('requestId') ?? null,
    });
    if (finished) return 'COMPLETED';
    // Not finished by this attempt: cancelled meanwhile, or taken over by a newer attempt.
    return this.cancelled(claim, startedAt);
  }

  /**
   * Completes a batch of one tenant's analyses in one statement (one commit, one hold of the
   * tenant's audit-chain lock): each analysis only if ITS claim is still the current attempt, RUNNING
   * and not asked to cancel; for those, the findings replaced (delete + insert: a rerun never
   * duplicates them), COMPLETED with progress 100, the run appended and `patient-analysis.completed`
   * audited (in the batch's order). Answers per completion whether this attempt finished it.
   */
  private async completeMany(tenantId: string, completions: Completion[]): Promise<Settled<boolean>[]> {
    const input = completions.map((c, n) => ({
      n,
      id: c.claim.id,
      attempts: c.claim.attempts,
      findings_count: c.findings.length,
      findings: c.findings,
      duration_ms: c.durationMs,
      started_at: c.startedAt.toISOString(),
      actor_type: c.actorType,
      actor_id: c.actorId,
      request_id: c.requestId,
      after: { status: 'COMPLETED', findingsCount: c.findings.length, attempt: c.claim.attempts },
    }));
    const done = await this.prisma.tenantQuery<{ n: number }>(
      `WITH input AS (
         SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(n int, id uuid, attempts int, findings_count int,
                findings jsonb, duration_ms int, started_at timestamptz, actor_type text, actor_id text,
                request_id text, after jsonb)),
       done AS (
         UPDATE patient_analyses a
            SET status = 'COMPLETED', progress = 100, findings_count = i.findings_count, finished_at = now(),
                updated_at = now(), error_code = NULL, error_message = NULL
           FROM input i
          WHERE a.id = ANY($2::uuid[]) AND a.id = i.id AND a.attempts = i.attempts AND a.status = 'RUNNING' AND a.cancel_requested_at IS NULL
         RETURNING a.id, a.tenant_id, a.kind, a.finished_at, i.n, i.attempts, i.findings, i.duration_ms, i.started_at,
                   i.actor_type, i.actor_id, i.request_id, i.after),
       replaced AS (
         DELETE FROM analysis_findings f USING done
          WHERE f.analysis_id = ANY($2::uuid[]) AND f.analysis_id = done.id),
       added AS (
         INSERT INTO analysis_findings (tenant_id, analysis_id, code, severity, message, evidence)
         SELECT done.tenant_id, done.id, x.code, x.severity::"FindingSeverity", x.message, x.evidence
           FROM done, jsonb_to_recordset(done.findings) AS x(code text, severity text, message text, evidence jsonb)),
       run AS (
         INSERT INTO analysis_runs (tenant_id, analysis_id, kind, attempt, outcome, duration_ms, started_at, finished_at)
         SELECT done.tenant_id, done.id, done.kind, done.attempts, 'COMPLETED', done.duration_ms, done.started_at,
                done.finished_at
           FROM done),
       audited AS (
         INSERT INTO audit_log (tenant_id, actor_type, actor_id, action, resource_type, resource_id, before, after, request_id)
         SELECT done.tenant_id, done.actor_type::"AuditActorType", done.actor_id, 'patient-analysis.completed',
                '${AUDIT_RESOURCE}', done.id::text, '{"status":"RUNNING"}'::jsonb, done.after, done.request_id
           FROM done ORDER BY done.n)
       SELECT n FROM done`,
      // The ids again as an array: the planner then finds the rows by index, whatever it guesses of the recordset.
      [JSON.stringify(input), completions.map((c) => c.claim.id)],
      { tenantId },
    );
    const finished = new Set(done.map((row) => row.n));
    return completions.map((_, n) => ({ ok: true, value: finished.has(n) }));
  }

  private async cancelled(claim: ClaimedAnalysis, startedAt: Date): Promise<RunOutcome> {
    const ended = await this.endAttempt(claim, startedAt, 'CANCELLED', null, true);
    return ended ? 'CANCELLED' : 'SUPERSEDED';
  }

  private async failed(
    claim: ClaimedAnalysis,
    code: string,
    message: string,
    final: boolean,
    startedAt: Date,
  ): Promise<void> {
    await this.endAttempt(claim, startedAt, 'FAILED', code, final, message);
  }

  /**
   * Appends the attempt's run and moves the row on: CANCELLED (only if cancellation was asked for),
   * FAILED when no retry follows (both audited), back to QUEUED while a retry waits. False when the
   * attempt is no longer the current one.
   */
  private async endAttempt(
    claim: ClaimedAnalysis,
    startedAt: Date,
    outcome: 'CANCELLED' | 'FAILED',
    code: string | null,
    final: boolean,
    message: string | null = null,
  ): Promise<boolean> {
    const status = outcome === 'CANCELLED' ? 'CANCELLED' : final ? 'FAILED' : 'QUEUED';
    const audit = auditOf(claim, `patient-analysis.${status.toLowerCase()}`, {
      status,
      ...(code ? { errorCode: code } : {}),
    });
    const [ended] = await this.prisma.tenantQuery<{ id: string }>(
      `WITH done AS (
         UPDATE patient_analyses
            SET status = $3::"AnalysisStatus", error_code = coalesce($4, error_code),
                error_message = coalesce($5, error_message),
                finished_at = CASE WHEN $3 = 'QUEUED' THEN NULL ELSE now() END, updated_at = now()
          WHERE id = $1::uuid AND attempts = $2 AND status = 'RUNNING'
            AND ($3 <> 'CANCELLED' OR cancel_requested_at IS NOT NULL)
         RETURNING id, tenant_id, kind, updated_at),
       run AS (
         INSERT INTO analysis_runs (tenant_id, analysis_id, kind, attempt, outcome, duration_ms, error_code, started_at, finished_at)
         SELECT tenant_id, id, kind, $2, $6, $7, $4, $8, updated_at FROM done),
       audited AS (${auditInsert(9)} FROM done WHERE $3 <> 'QUEUED')
       SELECT id FROM done`,
      [claim.id, claim.attempts, status, code, message, outcome, Date.now() - startedAt.getTime(), startedAt, ...audit],
    );
    return Boolean(ended);
  }
}

/**
 * The audit entry of a finished attempt, written by the same statement as the change (so the job's
 * end is one round trip and one commit). The columns AuditService.record would write, for the job's
 * context: a SYSTEM actor naming the job, its request id; the database chains and seals the row as
 * for any insert.
 */
function auditOf(claim: ClaimedAnalysis, action: string, after: Record<string, unknown>): unknown[] {
  const actor = RequestContext.get('actor') ?? { type: 'SYSTEM' as const };
  return [
    actor.type,
    actor.id ?? null,
    action,
    JSON.stringify({ status: 'RUNNING' }),
    JSON.stringify({ ...after, attempt: claim.attempts }),
    RequestContext.get('requestId') ?? null,
  ];
}

/** INSERT ... SELECT of the audit entry over `done`, its six values (auditOf) from parameter $first. */
function auditInsert(first: number): string {
  const p = (i: number) => `$${first + i}`;
  return `INSERT INTO audit_log (tenant_id, actor_type, actor_id, action, resource_type, resource_id, before, after, request_id)
          SELECT done.tenant_id, ${p(0)}::"AuditActorType", ${p(1)}, ${p(2)}, '${AUDIT_RESOURCE}', done.id::text,
                 ${p(3)}::jsonb, ${p(4)}::jsonb, ${p(5)}`;
}

/**
 * The stored sentence: an AnalyserFailure's own message (written free of health data by contract,
 * e.g. "the model provider answered 503"), else the fixed sentence of the code.
 */
function failureMessage(error: unknown, code: string): string {
  if (error instanceof AnalyserFailure) return error.message.slice(0, 500);
  return ANALYSIS_FAILURES[code as keyof typeof ANALYSIS_FAILURES] ?? ANALYSIS_FAILURES.ANALYSER_ERROR;
}

function failureCode(error: unknown): string {
  if (error instanceof AnalysisAttemptFailed) return error.code;
  if (error instanceof AttemptEnded) return 'TIMEOUT';
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && ERROR_CODE.test(code) ? code : 'ANALYSER_ERROR';
}

/** No retry can fix it: the consent is gone, or the analyser says so (`retryable: false`). */
function isFinal(error: unknown): boolean {
  if (error instanceof AnalysisAttemptFailed) return error.final;
  return (error as { retryable?: unknown })?.retryable === false;
}
