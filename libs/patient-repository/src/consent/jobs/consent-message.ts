import type { ConsentNotifyData } from '@itinera/queues';
import type { RecordCategory } from '@prisma/client';
import { PURPOSE_OF_USE, type PurposeOfUse } from '../purpose-of-use';

/** What a consent message may say: ids, categories, purpose and period. Never a name or health data. */
export interface ConsentMessageFacts {
  grantId: string;
  repositoryId: string;
  scopes: RecordCategory[];
  purpose: string;
  periodStart: Date;
  periodEnd: Date;
}

const categoryName = (c: RecordCategory) => c.toLowerCase().replace(/_/g, ' ');
const purposeName = (p: string) => (p in PURPOSE_OF_USE ? `${p} (${PURPOSE_OF_USE[p as PurposeOfUse]})` : p);

/**
 * The email telling a specialist that a grant was given, revoked or has expired. It says "a patient"
 * and the repository id, links to the API, and never carries the patient's name or any health data.
 */
export function consentMessage(
  kind: ConsentNotifyData['kind'],
  facts: ConsentMessageFacts,
  baseUrl: string,
): { subject: string; text: string } {
  const base = baseUrl.replace(/\/+$/, '');
  const record = `${base}/patient-repositories/${facts.repositoryId}`;
  const details = [
    `Repository: ${facts.repositoryId}`,
    `Grant: ${facts.grantId}`,
    `Scopes: ${facts.scopes.map(categoryName).join(', ')}`,
    `Purpose: ${purposeName(facts.purpose)}`,
    `Period: ${facts.periodStart.toISOString()} to ${facts.periodEnd.toISOString()}`,
  ];
  const yours = `Your consent grants: ${base}/specialist/consent-grants`;
  switch (kind) {
    case 'granted':
      return {
        subject: 'A patient has shared their health record with you',
        text: [
          'A patient has given you a consent grant to read parts of their health record.',
          '',
          ...details,
          '',
          `Sign in to read it: ${record}`,
          yours,
        ].join('\n'),
      };
    case 'revoked':
      return {
        subject: 'A consent grant to you was revoked',
        text: [
          'A patient has revoked a consent grant to you. You can no longer read their record under it.',
          '',
          ...details,
          '',
          yours,
        ].join('\n'),
      };
    case 'expired':
      return {
        subject: 'A consent grant to you has expired',
        text: [
          "A consent grant to you has reached the end of its period. You can no longer read the patient's record under it.",
          '',
          ...details,
          '',
          yours,
        ].join('\n'),
      };
  }
}
