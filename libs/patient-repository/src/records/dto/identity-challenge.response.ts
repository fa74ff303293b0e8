import { ApiProperty } from '@nestjs/swagger';
import { CHALLENGE_QUESTION_IDS, type ChallengeQuestionId } from '../challenge-questions';
import { PatientRepositoryResponse } from './patient-repository.response';

export const CHALLENGE_STATUSES = ['OPEN', 'PASSED', 'FAILED', 'EXPIRED'] as const;

export class ChallengeQuestionResponse {
  /** The key to answer it under in `answers`. */
  @ApiProperty({ enum: CHALLENGE_QUESTION_IDS })
  id!: ChallengeQuestionId;
  /** What to ask the patient. */
  prompt!: string;
}

/** An identity challenge: questions about what the tenant holds on the patient, never the answers. */
export class IdentityChallengeResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;
  @ApiProperty({ enum: CHALLENGE_STATUSES })
  status!: string;
  @ApiProperty({ type: [ChallengeQuestionResponse] })
  questions!: ChallengeQuestionResponse[];
  /** Wrong answers still allowed before the challenge fails and the cool-down starts. */
  @ApiProperty({ type: 'integer', minimum: 0 })
  attemptsRemaining!: number;
  /** Answers after this instant are refused (410). */
  expiresAt!: Date;
}

/** The challenge passed: the repository is the patient's now (ACTIVE). */
export class IdentityChallengePassedResponse {
  challenge!: IdentityChallengeResponse;
  repository!: PatientRepositoryResponse;
}
