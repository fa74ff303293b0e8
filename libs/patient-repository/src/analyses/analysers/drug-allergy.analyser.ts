import type { FindingSeverity } from '@prisma/client';
import type { AllergySeverity, DecryptedEntry } from '../../entries/entry-content';
import type { Analyser, AnalyserContext, FindingInput } from '../analyser';
import { activeMedications, type ActiveMedication } from './active-medications';
import { allergyTargetOf, classOf, CLASS_BY_ID, type AllergyTarget } from './drug-lookup';
import { entriesOf, evidenceOf, inSteps, normaliseName } from './finding-helpers';

/** A medication the patient is allergic to: the allergy's severity, one step up. */
const CONFLICT_SEVERITY: Record<AllergySeverity, FindingSeverity> = {
  MILD: 'MODERATE',
  MODERATE: 'HIGH',
  SEVERE: 'CRITICAL',
};
/** A cross-reactive class: one step below a conflict. */
const CROSS_SEVERITY: Record<AllergySeverity, FindingSeverity> = { MILD: 'LOW', MODERATE: 'MODERATE', SEVERE: 'HIGH' };

interface Match {
  code: 'DRUG_ALLERGY_CONFLICT' | 'DRUG_ALLERGY_CLASS_CONFLICT' | 'DRUG_ALLERGY_CROSS_REACTIVITY';
  why: string;
}

/**
 * DRUG_ALLERGY: every ACTIVE allergy against every medication taken now (see activeMedications),
 * using the shipped table (drug-classes.ts). The strongest rule that applies to a pair wins:
 * - DRUG_ALLERGY_CONFLICT: the medication contains the allergen, or an ingredient of the class the
 *   allergy names ("penicillin", "sulfa");
 * - DRUG_ALLERGY_CLASS_CONFLICT: it contains another ingredient of the allergen's class;
 * - DRUG_ALLERGY_CROSS_REACTIVITY: its class cross-reacts with the allergen's (penicillins and
 *   cephalosporins or carbapenems), one severity step lower.
 * Severity follows the allergy's (MILD → MODERATE, MODERATE → HIGH, SEVERE → CRITICAL); the
 * evidence is the allergy (every record of the same substance) and the medication.
 */
export class DrugAllergyAnalyser implements Analyser {
  readonly kind = 'DRUG_ALLERGY' as const;
  readonly categories = ['ALLERGIES' as const, 'MEDICATIONS' as const];

  async run(entries: DecryptedEntry[], context: AnalyserContext): Promise<FindingInput[]> {
    const medications = activeMedications(entries, context.now);
    const findings: FindingInput[] = [];
    const groups = allergiesBySubstance(entries);
    await inSteps(context, groups.length > 0 ? groups : [undefined], (group) => {
      if (!group) return;
      const target = allergyTargetOf(group.substance);
      for (const medication of medications) {
        const match = matchOf(target, medication);
        if (!match) continue;
        const severity =
          match.code === 'DRUG_ALLERGY_CROSS_REACTIVITY'
            ? CROSS_SEVERITY[group.severity]
            : CONFLICT_SEVERITY[group.severity];
        findings.push({
          code: match.code,
          severity,
          message:
            `Active medication "${medication.entry.content.name}" and a ${group.severity.toLowerCase()} ` +
            `allergy to "${group.substance}": ${match.why}.`,
          evidence: [...group.allergies.map(evidenceOf), evidenceOf(medication.entry)],
        });
      }
    });
    return findings;
  }
}

const ALLERGY_RANK: Record<AllergySeverity, number> = { MILD: 0, MODERATE: 1, SEVERE: 2 };

interface AllergyGroup {
  /** As first recorded. */
  substance: string;
  /** The most severe of the group's. */
  severity: AllergySeverity;
  allergies: DecryptedEntry<'ALLERGIES'>[];
}

/**
 * The ACTIVE allergies, one group per substance (compared normalised): the same allergy recorded
 * twice gives one finding per medication, with both records as evidence.
 */
function allergiesBySubstance(entries: readonly DecryptedEntry[]): AllergyGroup[] {
  const groups = new Map<string, AllergyGroup>();
  const active = entriesOf(entries, 'ALLERGIES')
    .filter((a) => a.content.status === 'ACTIVE')
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id));
  for (const allergy of active) {
    const key = normaliseName(allergy.content.substance);
    const group = groups.get(key);
    if (!group) {
      groups.set(key, {
        substance: allergy.content.substance,
        severity: allergy.content.severity,
        allergies: [allergy],
      });
      continue;
    }
    group.allergies.push(allergy);
    if (ALLERGY_RANK[allergy.content.severity] > ALLERGY_RANK[group.severity])
      group.severity = allergy.content.severity;
  }
  return [...groups.values()];
}

function matchOf(target: AllergyTarget, medication: ActiveMedication): Match | undefined {
  const direct = medication.ingredients.find((i) => target.ingredients.includes(i));
  if (direct) return { code: 'DRUG_ALLERGY_CONFLICT', why: `it contains ${direct}` };
  const medicationClasses = medication.ingredients.map((i) => ({ ingredient: i, drugClass: classOf(i) }));
  const named = medicationClasses.find((m) => m.drugClass && target.classes.includes(m.drugClass));
  if (named)
    return { code: 'DRUG_ALLERGY_CONFLICT', why: `${named.ingredient} is one of the ${named.drugClass!.name}` };
  const allergenClasses = [...target.classes, ...target.ingredients.map(classOf).filter((c) => c !== undefined)];
  const sameClass = medicationClasses.find((m) => m.drugClass && allergenClasses.includes(m.drugClass));
  if (sameClass) {
    return {
      code: 'DRUG_ALLERGY_CLASS_CONFLICT',
      why: `${sameClass.ingredient} is in the same class as the allergen (${sameClass.drugClass!.name})`,
    };
  }
  for (const allergenClass of allergenClasses) {
    for (const cross of allergenClass.crossReactive ?? []) {
      const hit = medicationClasses.find((m) => m.drugClass === CLASS_BY_ID.get(cross.classId));
      if (hit) {
        return {
          code: 'DRUG_ALLERGY_CROSS_REACTIVITY',
          why: `${hit.ingredient} is one of the ${hit.drugClass!.name}, and ${cross.note}`,
        };
      }
    }
  }
  return undefined;
}
