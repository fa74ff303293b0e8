import type { MedicationContent } from '../../entries/entry-content';
import { BRAND_INGREDIENTS, DRUG_CLASSES, INGREDIENT_SYNONYMS, type DrugClass } from './drug-classes';
import { normaliseName } from './finding-helpers';

const CLASS_BY_INGREDIENT = new Map<string, DrugClass>(
  DRUG_CLASSES.flatMap((c) => c.ingredients.map((i) => [i, c] as const)),
);
const CLASS_BY_ALIAS = new Map<string, DrugClass>(DRUG_CLASSES.flatMap((c) => c.aliases.map((a) => [a, c] as const)));
export const CLASS_BY_ID = new Map<string, DrugClass>(DRUG_CLASSES.map((c) => [c.id, c]));

/** Every name the table knows (ingredient, synonym, brand) → the ingredients it stands for. */
const TERMS: [string, string[]][] = [
  ...[...CLASS_BY_INGREDIENT.keys()].map((i): [string, string[]] => [i, [i]]),
  ...Object.entries(INGREDIENT_SYNONYMS).map(([s, i]): [string, string[]] => [s, [i]]),
  ...Object.entries(BRAND_INGREDIENTS),
  // Longest first, so "penicillin v" wins over "penicillin".
].sort((a, b) => b[0].length - a[0].length);

const canonical = (ingredient: string) => {
  const name = normaliseName(ingredient);
  return INGREDIENT_SYNONYMS[name] ?? name;
};

/** The known ingredients named in free text (a product name), by whole words. */
export function ingredientsInText(text: string): string[] {
  let padded = ` ${normaliseName(text)} `;
  const found = new Set<string>();
  for (const [term, ingredients] of TERMS) {
    if (!padded.includes(` ${term} `)) continue;
    ingredients.forEach((i) => found.add(i));
    padded = padded.replaceAll(` ${term} `, '  ');
  }
  return [...found];
}

/** A medication's ingredients: those it lists, plus those its name reveals through the table. */
export function ingredientsOfMedication(medication: MedicationContent): string[] {
  const listed = (medication.ingredients ?? []).map(canonical).filter(Boolean);
  return [...new Set([...listed, ...ingredientsInText(medication.name)])].sort();
}

export const classOf = (ingredient: string): DrugClass | undefined => CLASS_BY_INGREDIENT.get(ingredient);

/** What an allergy's substance names: a whole class ("sulfa"), or ingredients (directly or through a brand). */
export interface AllergyTarget {
  classes: DrugClass[];
  ingredients: string[];
}

export function allergyTargetOf(substance: string): AllergyTarget {
  const name = normaliseName(substance);
  const wholeClass = CLASS_BY_ALIAS.get(name);
  if (wholeClass) return { classes: [wholeClass], ingredients: [] };
  const ingredients = ingredientsInText(name);
  // A substance the table does not know still matches a medication listing it as an ingredient.
  return { classes: [], ingredients: ingredients.length > 0 ? ingredients : [canonical(name)] };
}
