import type { DecryptedEntry } from '../../entries/entry-content';
import { ingredientsOfMedication } from './drug-lookup';
import { entriesOf } from './finding-helpers';

export interface ActiveMedication {
  entry: DecryptedEntry<'MEDICATIONS'>;
  ingredients: string[];
}

/**
 * The medications the patient takes on `now`'s date: status ACTIVE and no end date before it
 * (a statement left ACTIVE after its end date is over). In entry order, with their ingredients.
 */
export function activeMedications(entries: readonly DecryptedEntry[], now: Date): ActiveMedication[] {
  const today = now.toISOString().slice(0, 10);
  return entriesOf(entries, 'MEDICATIONS')
    .filter((m) => m.content.status === 'ACTIVE' && !(m.content.endDate && m.content.endDate < today))
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id))
    .map((entry) => ({ entry, ingredients: ingredientsOfMedication(entry.content) }));
}
