/**
 * A small shipped table of drug classes for the drug–allergy and duplicate-therapy analysers:
 * which ingredients (lower-case generic names, US adopted names) belong to which class, the names
 * an allergy list uses for a whole class, and which classes cross-react. Classes follow the WHO
 * ATC classification (codes given per class). It is deliberately small (common outpatient drugs)
 * and not a substitute for a drug-interaction database; the README says so.
 */
export interface DrugClass {
  id: string;
  /** For messages, e.g. "penicillins". */
  name: string;
  /** The WHO ATC group(s) the members come from. */
  atc: string;
  ingredients: string[];
  /** Names an allergy record uses for the whole class ("sulfa", "penicillin"). */
  aliases: string[];
  /** Classes with documented cross-reactivity, and what to say about it. */
  crossReactive?: { classId: string; note: string }[];
  /** Two different members at once is usually a duplication worth a look (DUPLICATE_THERAPY). */
  duplicateClassConcern?: boolean;
}

const BETA_LACTAM_NOTE =
  'cross-reactivity with penicillin allergy is low (about 1–2 %, mostly through similar side chains; ' +
  'AAAAI/ACAAI drug allergy practice parameter 2022)';

export const DRUG_CLASSES: DrugClass[] = [
  {
    id: 'penicillins',
    name: 'penicillins',
    atc: 'J01C',
    ingredients: [
      'penicillin',
      'amoxicillin',
      'ampicillin',
      'piperacillin',
      'dicloxacillin',
      'nafcillin',
      'oxacillin',
      'flucloxacillin',
    ],
    aliases: ['penicillin', 'penicillins', 'pcn', 'penicillin class'],
    crossReactive: [
      { classId: 'cephalosporins', note: BETA_LACTAM_NOTE },
      { classId: 'carbapenems', note: 'cross-reactivity with penicillin allergy is under 1 % (AAAAI/ACAAI 2022)' },
    ],
  },
  {
    id: 'cephalosporins',
    name: 'cephalosporins',
    atc: 'J01DB–J01DE',
    ingredients: [
      'cephalexin',
      'cefadroxil',
      'cefazolin',
      'cefuroxime',
      'cefprozil',
      'cefdinir',
      'cefixime',
      'cefpodoxime',
      'ceftriaxone',
      'ceftazidime',
      'cefotaxime',
      'cefepime',
    ],
    aliases: ['cephalosporin', 'cephalosporins'],
    crossReactive: [{ classId: 'penicillins', note: BETA_LACTAM_NOTE }],
  },
  {
    id: 'carbapenems',
    name: 'carbapenems',
    atc: 'J01DH',
    ingredients: ['meropenem', 'imipenem', 'ertapenem'],
    aliases: ['carbapenem', 'carbapenems'],
  },
  {
    // Non-antibiotic sulfonamides (furosemide, thiazides) are left out on purpose: cross-reactivity
    // with sulfonamide-antibiotic allergy is not supported (Strom et al., NEJM 2003;349:1628).
    id: 'sulfonamides',
    name: 'sulfonamide antibiotics',
    atc: 'J01E',
    ingredients: ['sulfamethoxazole', 'sulfadiazine', 'sulfisoxazole'],
    aliases: ['sulfa', 'sulfa drugs', 'sulfonamide', 'sulfonamides', 'sulfonamide antibiotics'],
  },
  {
    id: 'macrolides',
    name: 'macrolides',
    atc: 'J01FA',
    ingredients: ['azithromycin', 'clarithromycin', 'erythromycin'],
    aliases: ['macrolide', 'macrolides'],
  },
  {
    id: 'fluoroquinolones',
    name: 'fluoroquinolones',
    atc: 'J01MA',
    ingredients: ['ciprofloxacin', 'levofloxacin', 'moxifloxacin', 'ofloxacin'],
    aliases: ['fluoroquinolone', 'fluoroquinolones', 'quinolones'],
  },
  {
    id: 'tetracyclines',
    name: 'tetracyclines',
    atc: 'J01AA',
    ingredients: ['doxycycline', 'minocycline', 'tetracycline'],
    aliases: ['tetracyclines'],
  },
  {
    // Aspirin belongs here for allergy purposes: NSAID hypersensitivity (including aspirin-exacerbated
    // respiratory disease) is a COX-1 class effect. Celecoxib (COX-2 selective) is left out.
    id: 'nsaids',
    name: 'NSAIDs',
    atc: 'M01A, N02BA',
    ingredients: [
      'ibuprofen',
      'naproxen',
      'aspirin',
      'diclofenac',
      'ketorolac',
      'indomethacin',
      'meloxicam',
      'ketoprofen',
    ],
    aliases: ['nsaid', 'nsaids', 'non steroidal anti inflammatory drugs'],
    duplicateClassConcern: true,
  },
  {
    id: 'anilides',
    name: 'acetaminophen (paracetamol)',
    atc: 'N02BE',
    ingredients: ['acetaminophen'],
    aliases: [],
  },
  {
    id: 'opioids',
    name: 'opioids',
    atc: 'N02A',
    ingredients: [
      'morphine',
      'codeine',
      'oxycodone',
      'hydrocodone',
      'hydromorphone',
      'fentanyl',
      'tramadol',
      'methadone',
      'tapentadol',
    ],
    aliases: ['opioid', 'opioids', 'opiate', 'opiates', 'narcotics'],
    duplicateClassConcern: true,
  },
  {
    id: 'statins',
    name: 'statins (HMG-CoA reductase inhibitors)',
    atc: 'C10AA',
    ingredients: [
      'atorvastatin',
      'simvastatin',
      'rosuvastatin',
      'pravastatin',
      'lovastatin',
      'fluvastatin',
      'pitavastatin',
    ],
    aliases: ['statin', 'statins'],
    duplicateClassConcern: true,
  },
  {
    id: 'ace-inhibitors',
    name: 'ACE inhibitors',
    atc: 'C09A',
    ingredients: [
      'lisinopril',
      'enalapril',
      'ramipril',
      'captopril',
      'benazepril',
      'perindopril',
      'quinapril',
      'fosinopril',
    ],
    aliases: ['ace inhibitor', 'ace inhibitors', 'acei'],
    duplicateClassConcern: true,
  },
  {
    id: 'arbs',
    name: 'angiotensin II receptor blockers',
    atc: 'C09C',
    ingredients: ['losartan', 'valsartan', 'candesartan', 'irbesartan', 'olmesartan', 'telmisartan'],
    aliases: ['arb', 'arbs'],
    duplicateClassConcern: true,
  },
  {
    id: 'ppis',
    name: 'proton pump inhibitors',
    atc: 'A02BC',
    ingredients: ['omeprazole', 'esomeprazole', 'lansoprazole', 'pantoprazole', 'rabeprazole'],
    aliases: ['proton pump inhibitors', 'ppi'],
    duplicateClassConcern: true,
  },
  {
    id: 'ssris',
    name: 'SSRIs',
    atc: 'N06AB',
    ingredients: ['sertraline', 'fluoxetine', 'citalopram', 'escitalopram', 'paroxetine'],
    aliases: ['ssri', 'ssris'],
    duplicateClassConcern: true,
  },
  {
    id: 'benzodiazepines',
    name: 'benzodiazepines',
    atc: 'N05BA, N05CD',
    ingredients: ['diazepam', 'lorazepam', 'alprazolam', 'clonazepam', 'temazepam'],
    aliases: ['benzodiazepine', 'benzodiazepines'],
    duplicateClassConcern: true,
  },
  {
    id: 'oral-anticoagulants',
    name: 'oral anticoagulants',
    atc: 'B01AA, B01AE, B01AF',
    ingredients: ['warfarin', 'apixaban', 'rivaroxaban', 'dabigatran', 'edoxaban'],
    aliases: ['anticoagulants'],
    duplicateClassConcern: true,
  },
];

/** Other names of an ingredient (INN, abbreviations) → the generic name used in the table. */
export const INGREDIENT_SYNONYMS: Record<string, string> = {
  paracetamol: 'acetaminophen',
  apap: 'acetaminophen',
  'acetylsalicylic acid': 'aspirin',
  asa: 'aspirin',
  benzylpenicillin: 'penicillin',
  phenoxymethylpenicillin: 'penicillin',
  'penicillin g': 'penicillin',
  'penicillin v': 'penicillin',
  cefalexin: 'cephalexin',
  clavulanate: 'clavulanic acid',
};

/** Common US brand names → their ingredients (so "Augmentin" or "Percocet" is understood). */
export const BRAND_INGREDIENTS: Record<string, string[]> = {
  augmentin: ['amoxicillin', 'clavulanic acid'],
  amoxil: ['amoxicillin'],
  keflex: ['cephalexin'],
  bactrim: ['sulfamethoxazole', 'trimethoprim'],
  septra: ['sulfamethoxazole', 'trimethoprim'],
  'co trimoxazole': ['sulfamethoxazole', 'trimethoprim'],
  zithromax: ['azithromycin'],
  cipro: ['ciprofloxacin'],
  levaquin: ['levofloxacin'],
  advil: ['ibuprofen'],
  motrin: ['ibuprofen'],
  aleve: ['naproxen'],
  naprosyn: ['naproxen'],
  voltaren: ['diclofenac'],
  toradol: ['ketorolac'],
  tylenol: ['acetaminophen'],
  percocet: ['oxycodone', 'acetaminophen'],
  vicodin: ['hydrocodone', 'acetaminophen'],
  norco: ['hydrocodone', 'acetaminophen'],
  oxycontin: ['oxycodone'],
  ultram: ['tramadol'],
  lipitor: ['atorvastatin'],
  zocor: ['simvastatin'],
  crestor: ['rosuvastatin'],
  zestril: ['lisinopril'],
  prinivil: ['lisinopril'],
  vasotec: ['enalapril'],
  altace: ['ramipril'],
  cozaar: ['losartan'],
  diovan: ['valsartan'],
  prilosec: ['omeprazole'],
  nexium: ['esomeprazole'],
  protonix: ['pantoprazole'],
  zoloft: ['sertraline'],
  prozac: ['fluoxetine'],
  lexapro: ['escitalopram'],
  xanax: ['alprazolam'],
  valium: ['diazepam'],
  ativan: ['lorazepam'],
  coumadin: ['warfarin'],
  eliquis: ['apixaban'],
  xarelto: ['rivaroxaban'],
};
