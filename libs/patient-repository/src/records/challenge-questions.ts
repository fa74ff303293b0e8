import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { normaliseText } from './identity-hash';
import type { PersonalInfo } from './dto/personal-info.dto';

/** The questions a challenge asks, in order: facts the tenant holds that a stranger is unlikely to know together. */
export const CHALLENGE_QUESTION_IDS = ['dateOfBirth', 'postalCode'] as const;
export type ChallengeQuestionId = (typeof CHALLENGE_QUESTION_IDS)[number];

export const CHALLENGE_PROMPTS: Record<ChallengeQuestionId, string> = {
  dateOfBirth: 'Your date of birth (YYYY-MM-DD)',
  postalCode: 'The postal code of your home address',
};

/** How an answer and the value on file are made comparable, per question. */
const NORMALISE: Record<ChallengeQuestionId, (value: string) => string> = {
  dateOfBirth: (value) => value.trim(),
  // "nw1 6xe", "NW16XE" and "NW1-6XE" are one postcode.
  postalCode: (value) => normaliseText(value).replace(/[\s-]/g, ''),
};

/** The value on file that answers `question`. */
function expectedAnswer(question: ChallengeQuestionId, info: PersonalInfo): string {
  return question === 'dateOfBirth' ? info.dateOfBirth : info.address.postalCode;
}

/**
 * Whether every question is answered right. Each pair is compared as HMACs under a key made for
 * this call, with timingSafeEqual, and every question is always compared: the time taken says
 * neither which answer was wrong nor how much of it matched.
 */
export function answersMatch(
  questions: readonly ChallengeQuestionId[],
  answers: Partial<Record<ChallengeQuestionId, string>>,
  info: PersonalInfo,
): boolean {
  const key = randomBytes(32);
  const digest = (value: string) => createHmac('sha256', key).update(value, 'utf8').digest();
  let allMatch = true;
  for (const question of questions) {
    const normalise = NORMALISE[question];
    const given = digest(normalise(answers[question] ?? ''));
    const expected = digest(normalise(expectedAnswer(question, info)));
    allMatch = timingSafeEqual(given, expected) && allMatch;
  }
  return allMatch;
}

export const isChallengeQuestionId = (value: string): value is ChallengeQuestionId =>
  (CHALLENGE_QUESTION_IDS as readonly string[]).includes(value);
