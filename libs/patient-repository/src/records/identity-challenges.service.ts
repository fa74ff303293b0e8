import { Injectable } from '@nestjs/common';
import { AuditService } from '@itinera/audit';
import { AppConfig, AppError } from '@itinera/platform';
import { PrismaService, type Tx } from '@itinera/prisma';
import { invalidState, recordNotFound } from '../patient-repository.errors';
import { answersMatch, CHALLENGE_PROMPTS, CHALLENGE_QUESTION_IDS, isChallengeQuestionId } from './challenge-questions';
import { challengeCooldown, challengeExpired, wrongAnswers } from './patient-records.errors';
import { PersonalInfoCodec } from './personal-info.codec';
import type { ChallengeAnswersDto } from './dto/identity-challenge.dto';
import type { IdentityChallengePassedResponse, IdentityChallengeResponse } from './dto/identity-challenge.response';
import {
  SUMMARY_COLUMNS,
  toPatientRepositoryResponse,
  type RepositorySummaryRow,
} from './dto/patient-repository.response';

interface LockedRepository {
  id: string;
  status: 'PENDING_IDENTITY' | 'ACTIVE' | 'ERASED';
  patient_user_id: string;
  personal_info: string | null;
}

interface ChallengeRow {
  id: string;
  questions: string[];
  status: 'OPEN' | 'PASSED' | 'FAILED' | 'EXPIRED';
  attempts: number;
  max_attempts: number;
  expires_at: Date;
}

const CHALLENGE_COLUMNS = 'id, questions::text[] AS questions, status, attempts, max_attempts, expires_at';

/** A refusal whose audit entry must commit before the problem is answered. */
type Refusal = { refused: AppError };

const toChallengeResponse = (row: ChallengeRow): IdentityChallengeResponse => ({
  id: row.id,
  status: row.status,
  questions: row.questions.filter(isChallengeQuestionId).map((id) => ({ id, prompt: CHALLENGE_PROMPTS[id] })),
  attemptsRemaining: Math.max(0, row.max_attempts - row.attempts),
  expiresAt: row.expires_at,
});

/**
 * Identity challenges: before a registered repository becomes the patient's (ACTIVE), the patient
 * answers questions about what the tenant holds on them (date of birth, postal code). Attempts are
 * limited per challenge (IDENTITY_CHALLENGE_MAX_ATTEMPTS); using them up fails the challenge and
 * starts a cool-down (IDENTITY_CHALLENGE_COOLDOWN_MINUTES after the last failure) during which new
 * challenges and answers get 429. Every attempt, refused ones included, is audited with its
 * outcome and number, never the answers; refusals commit their audit entry before the problem is
 * thrown. The repository row is locked first (FOR UPDATE) by every operation here, so concurrent
 * answers are counted one at a time and can never exceed the limit.
 */
@Injectable()
export class IdentityChallengesService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly codec: PersonalInfoCodec,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  /**
   * A challenge for the patient of the repository. While one is open and unexpired it is returned
   * again (`reused`), so asking anew never adds attempts.
   */
  async create(
    userId: string,
    repositoryId: string,
  ): Promise<{ challenge: IdentityChallengeResponse; reused: boolean }> {
    const ttlMs = this.config.get('IDENTITY_CHALLENGE_TTL_MINUTES', { infer: true }) * 60_000;
    const maxAttempts = this.config.get('IDENTITY_CHALLENGE_MAX_ATTEMPTS', { infer: true });
    const outcome = await this.prisma.tenantTransaction(async (tx) => {
      const repository = await this.lockOwnRepository(tx, userId, repositoryId);
      if (repository.status === 'ACTIVE') throw alreadyVerified();
      const refusal = await this.refuseDuringCooldown(tx, userId, repositoryId, 'challenge_refused');
      if (refusal) return refusal;
      const [open] = await tx.$queryRawUnsafe<ChallengeRow[]>(
        `SELECT ${CHALLENGE_COLUMNS} FROM identity_challenges
          WHERE repository_id = $1::uuid AND user_id = $2::uuid AND status = 'OPEN'
          ORDER BY created_at DESC LIMIT 1`,
        repositoryId,
        userId,
      );
      if (open && open.expires_at.getTime() > Date.now()) return { challenge: open, reused: true };
      if (open) await this.expire(tx, repositoryId, open.id);
      const [created] = await tx.$queryRawUnsafe<ChallengeRow[]>(
        `INSERT INTO identity_challenges (tenant_id, repository_id, user_id, questions, max_attempts, expires_at)
         VALUES (app_current_tenant(), $1::uuid, $2::uuid, $3::text[], $4, now() + make_interval(secs => $5::float8))
         RETURNING ${CHALLENGE_COLUMNS}`,
        repositoryId,
        userId,
        [...CHALLENGE_QUESTION_IDS],
        maxAttempts,
        ttlMs / 1000,
      );
      await this.audit.record(tx, {
        action: 'patient-identity.challenge_issued',
        resourceType: 'patient-repository',
        resourceId: repositoryId,
        metadata: { challengeId: created.id, questions: created.questions, maxAttempts },
      });
      return { challenge: created, reused: false };
    });
    if ('refused' in outcome) throw outcome.refused;
    return { challenge: toChallengeResponse(outcome.challenge), reused: outcome.reused };
  }

  /** One attempt at a challenge; right answers make the repository ACTIVE (verified now). */
  async answer(
    userId: string,
    repositoryId: string,
    challengeId: string,
    answers: ChallengeAnswersDto,
  ): Promise<IdentityChallengePassedResponse> {
    const cooldownMinutes = this.config.get('IDENTITY_CHALLENGE_COOLDOWN_MINUTES', { infer: true });
    const outcome = await this.prisma.tenantTransaction(
      async (tx): Promise<Refusal | IdentityChallengePassedResponse> => {
        const repository = await this.lockOwnRepository(tx, userId, repositoryId);
        const [challenge] = await tx.$queryRawUnsafe<ChallengeRow[]>(
          `SELECT ${CHALLENGE_COLUMNS} FROM identity_challenges
          WHERE id = $1::uuid AND repository_id = $2::uuid AND user_id = $3::uuid FOR UPDATE`,
          challengeId,
          repositoryId,
          userId,
        );
        if (!challenge) throw recordNotFound('identity challenge');
        const refuse = async (reason: string, error: AppError): Promise<Refusal> => {
          await this.recordAttempt(tx, repositoryId, challengeId, { outcome: 'REFUSED', reason });
          return { refused: error };
        };
        if (repository.status === 'ACTIVE' || challenge.status === 'PASSED') {
          return refuse('ALREADY_VERIFIED', alreadyVerified());
        }
        const cooldown = await this.refuseDuringCooldown(tx, userId, repositoryId, 'challenge_attempted', challengeId);
        if (cooldown) return cooldown;
        if (challenge.status === 'FAILED') {
          return refuse('CHALLENGE_FAILED', invalidState('This challenge has failed. Ask for a new one.'));
        }
        if (challenge.status === 'EXPIRED' || challenge.expires_at.getTime() <= Date.now()) {
          if (challenge.status === 'OPEN') await this.expire(tx, repositoryId, challengeId);
          return refuse('EXPIRED', challengeExpired());
        }

        const attempt = challenge.attempts + 1;
        const questions = challenge.questions.filter(isChallengeQuestionId);
        const info = this.codec.open(repositoryId, repository.personal_info!);
        if (answersMatch(questions, { ...answers }, info)) {
          const [passed] = await tx.$queryRawUnsafe<ChallengeRow[]>(
            `UPDATE identity_challenges SET status = 'PASSED', attempts = $2, last_attempt_at = now(), passed_at = now()
            WHERE id = $1::uuid RETURNING ${CHALLENGE_COLUMNS}`,
            challengeId,
            attempt,
          );
          const [verified] = await tx.$queryRawUnsafe<RepositorySummaryRow[]>(
            `UPDATE patient_repositories r SET status = 'ACTIVE', verified_at = now(), updated_at = now()
            WHERE r.id = $1::uuid AND r.status = 'PENDING_IDENTITY' RETURNING ${SUMMARY_COLUMNS}`,
            repositoryId,
          );
          await this.recordAttempt(tx, repositoryId, challengeId, { outcome: 'PASSED', attempt });
          await this.audit.record(tx, {
            action: 'patient-repository.verified',
            resourceType: 'patient-repository',
            resourceId: repositoryId,
            before: { status: 'PENDING_IDENTITY' },
            after: { status: 'ACTIVE' },
            metadata: { challengeId },
          });
          return { challenge: toChallengeResponse(passed), repository: toPatientRepositoryResponse(verified) };
        }

        const exhausted = attempt >= challenge.max_attempts;
        const [failed] = await tx.$queryRawUnsafe<{ last_attempt_at: Date }[]>(
          `UPDATE identity_challenges SET attempts = $2, last_attempt_at = now(), status = $3::"IdentityChallengeStatus"
          WHERE id = $1::uuid RETURNING last_attempt_at`,
          challengeId,
          attempt,
          exhausted ? 'FAILED' : 'OPEN',
        );
        const attemptsRemaining = challenge.max_attempts - attempt;
        await this.recordAttempt(tx, repositoryId, challengeId, {
          outcome: exhausted ? 'FAILED' : 'WRONG',
          attempt,
          attemptsRemaining,
        });
        const cooldownUntil =
          exhausted && cooldownMinutes > 0
            ? new Date(failed.last_attempt_at.getTime() + cooldownMinutes * 60_000)
            : undefined;
        return { refused: wrongAnswers(attemptsRemaining, cooldownUntil) };
      },
    );
    if ('refused' in outcome) throw outcome.refused;
    return outcome;
  }

  /** The repository, locked; 404 unless it is the caller's own and not erased. */
  private async lockOwnRepository(tx: Tx, userId: string, repositoryId: string): Promise<LockedRepository> {
    const [repository] = await tx.$queryRaw<LockedRepository[]>`
      SELECT id, status, patient_user_id, personal_info FROM patient_repositories
       WHERE id = ${repositoryId}::uuid FOR UPDATE`;
    if (!repository || repository.status === 'ERASED' || repository.patient_user_id !== userId) {
      throw recordNotFound();
    }
    return repository;
  }

  /**
   * The refusal (audited) while the user is cooling down after a failed challenge: the cool-down
   * runs from the last attempt of their most recent failed challenge.
   */
  private async refuseDuringCooldown(
    tx: Tx,
    userId: string,
    repositoryId: string,
    action: 'challenge_refused' | 'challenge_attempted',
    challengeId?: string,
  ): Promise<Refusal | undefined> {
    const cooldownMinutes = this.config.get('IDENTITY_CHALLENGE_COOLDOWN_MINUTES', { infer: true });
    if (cooldownMinutes <= 0) return undefined;
    const [row] = await tx.$queryRaw<{ until: Date | null }[]>`
      SELECT max(last_attempt_at) + make_interval(secs => ${cooldownMinutes * 60}::float8) AS until
        FROM identity_challenges WHERE user_id = ${userId}::uuid AND status = 'FAILED'`;
    if (!row?.until || row.until.getTime() <= Date.now()) return undefined;
    await this.audit.record(tx, {
      action: `patient-identity.${action}`,
      resourceType: 'patient-repository',
      resourceId: repositoryId,
      metadata: { ...(challengeId ? { challengeId } : {}), outcome: 'REFUSED', reason: 'COOLDOWN' },
    });
    return { refused: challengeCooldown(row.until) };
  }

  private async expire(tx: Tx, repositoryId: string, challengeId: string): Promise<void> {
    await tx.$executeRaw`UPDATE identity_challenges SET status = 'EXPIRED' WHERE id = ${challengeId}::uuid AND status = 'OPEN'`;
    await this.audit.record(tx, {
      action: 'patient-identity.challenge_expired',
      resourceType: 'patient-repository',
      resourceId: repositoryId,
      metadata: { challengeId },
    });
  }

  /** The audit entry of one attempt: its outcome and number, never the answers. */
  private recordAttempt(
    tx: Tx,
    repositoryId: string,
    challengeId: string,
    details: {
      outcome: 'PASSED' | 'WRONG' | 'FAILED' | 'REFUSED';
      attempt?: number;
      attemptsRemaining?: number;
      reason?: string;
    },
  ): Promise<void> {
    return this.audit.record(tx, {
      action: 'patient-identity.challenge_attempted',
      resourceType: 'patient-repository',
      resourceId: repositoryId,
      metadata: { challengeId, ...details },
    });
  }
}

const alreadyVerified = () =>
  invalidState('The repository is already verified: its patient passed an identity challenge.');
