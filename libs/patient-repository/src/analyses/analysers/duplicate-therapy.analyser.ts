import type { DecryptedEntry } from '../../entries/entry-content';
import type { Analyser, AnalyserContext, FindingInput } from '../analyser';
import { activeMedications, type ActiveMedication } from './active-medications';
import { classOf } from './drug-lookup';
import { DRUG_CLASSES } from './drug-classes';
import { evidenceOf, inSteps } from './finding-helpers';

/**
 * DUPLICATE_THERAPY, over the medications taken now (see activeMedications):
 * - DUPLICATE_INGREDIENT (MODERATE): one ingredient in two or more medications (e.g. Percocet and
 *   Tylenol both carry acetaminophen), one finding per ingredient with every such medication;
 * - DUPLICATE_CLASS (LOW): two or more different ingredients of one class where taking two at once
 *   is usually a duplication (NSAIDs, statins, ACE inhibitors, …: `duplicateClassConcern` in
 *   drug-classes.ts), one finding per class.
 */
export class DuplicateTherapyAnalyser implements Analyser {
  readonly kind = 'DUPLICATE_THERAPY' as const;
  readonly categories = ['MEDICATIONS' as const];

  async run(entries: DecryptedEntry[], context: AnalyserContext): Promise<FindingInput[]> {
    const medications = activeMedications(entries, context.now);
    const findings: FindingInput[] = [];
    await inSteps(context, ['ingredients', 'classes'] as const, (step) => {
      findings.push(...(step === 'ingredients' ? sameIngredient(medications) : sameClass(medications)));
    });
    return findings;
  }
}

function sameIngredient(medications: ActiveMedication[]): FindingInput[] {
  const byIngredient = new Map<string, ActiveMedication[]>();
  for (const m of medications) for (const i of m.ingredients) byIngredient.set(i, [...(byIngredient.get(i) ?? []), m]);
  return [...byIngredient.entries()]
    .filter(([, meds]) => meds.length > 1)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([ingredient, meds]) => ({
      code: 'DUPLICATE_INGREDIENT',
      severity: 'MODERATE' as const,
      message: `${ingredient} is in ${meds.length} active medications: ${names(meds)}.`,
      evidence: meds.map((m) => evidenceOf(m.entry)),
    }));
}

function sameClass(medications: ActiveMedication[]): FindingInput[] {
  const findings: FindingInput[] = [];
  for (const drugClass of DRUG_CLASSES.filter((c) => c.duplicateClassConcern)) {
    const members = medications
      .map((m) => ({ m, ingredients: m.ingredients.filter((i) => classOf(i) === drugClass) }))
      .filter((x) => x.ingredients.length > 0);
    const distinct = new Set(members.flatMap((x) => x.ingredients));
    if (members.length < 2 || distinct.size < 2) continue;
    findings.push({
      code: 'DUPLICATE_CLASS',
      severity: 'LOW',
      message: `${members.length} active medications are ${drugClass.name} (${[...distinct].sort().join(', ')}): ${names(members.map((x) => x.m))}.`,
      evidence: members.map((x) => evidenceOf(x.m.entry)),
    });
  }
  return findings;
}

const names = (meds: ActiveMedication[]) => meds.map((m) => `"${m.entry.content.name}"`).join(', ');
