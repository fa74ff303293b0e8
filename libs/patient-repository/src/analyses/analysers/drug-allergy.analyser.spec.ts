import { allergy, medication, RecordingContext } from './analyser-test-kit';
import { DrugAllergyAnalyser } from './drug-allergy.analyser';
import { ingredientsInText } from './drug-lookup';

const run = (...entries: Parameters<DrugAllergyAnalyser['run']>[0]) =>
  new DrugAllergyAnalyser().run(entries, new RecordingContext());

describe('DrugAllergyAnalyser', () => {
  it('finds an active medication containing the allergen, with both entries as evidence', async () => {
    const a = allergy('Ibuprofen', { severity: 'SEVERE' });
    const m = medication('Advil 200 mg tablet');
    const findings = await run(a, m);
    expect(findings).toEqual([
      {
        code: 'DRUG_ALLERGY_CONFLICT',
        severity: 'CRITICAL',
        message: expect.stringContaining('it contains ibuprofen'),
        evidence: [
          { entryId: a.id, category: 'ALLERGIES', version: 1 },
          { entryId: m.id, category: 'MEDICATIONS', version: 1 },
        ],
      },
    ]);
  });

  it('treats a class name on the allergy list as the whole class ("penicillin", "sulfa")', async () => {
    const findings = await run(
      allergy('Penicillin', { severity: 'MILD' }),
      medication('Augmentin 875/125'),
      allergy('sulfa drugs'),
      medication('Bactrim DS'),
    );
    expect(findings.map((f) => [f.code, f.severity])).toEqual([
      ['DRUG_ALLERGY_CONFLICT', 'MODERATE'],
      ['DRUG_ALLERGY_CONFLICT', 'HIGH'],
    ]);
  });

  it('uses the listed ingredients as well as the name', async () => {
    const findings = await run(
      allergy('naproxen'),
      medication('Store-brand pain relief', { ingredients: ['Naproxen'] }),
    );
    expect(findings.map((f) => f.code)).toEqual(['DRUG_ALLERGY_CONFLICT']);
  });

  it('flags another ingredient of the same class, and a cross-reactive class one step lower', async () => {
    const findings = await run(
      allergy('amoxicillin', { severity: 'SEVERE' }),
      medication('Ampicillin 500 mg'),
      medication('Cephalexin 500 mg'),
      medication('Metformin 500 mg'),
    );
    expect(findings.map((f) => [f.code, f.severity])).toEqual([
      ['DRUG_ALLERGY_CLASS_CONFLICT', 'CRITICAL'],
      ['DRUG_ALLERGY_CROSS_REACTIVITY', 'HIGH'],
    ]);
    expect(findings[1].message).toContain('cross-reactivity');
  });

  it('ignores inactive allergies, stopped medications and those past their end date', async () => {
    const context = new RecordingContext(new Date('2026-11-27T00:00:00Z'));
    const findings = await new DrugAllergyAnalyser().run(
      [
        allergy('aspirin', { status: 'RESOLVED' }),
        medication('Aspirin 81 mg'),
        allergy('codeine'),
        medication('Tylenol with Codeine', { status: 'STOPPED' }),
        medication('Codeine 30 mg', { endDate: '2026-11-26' }),
        medication('Codeine sulfate', { endDate: '2026-11-27' }),
      ],
      context,
    );
    expect(findings.map((f) => f.message)).toEqual([expect.stringContaining('"Codeine sulfate"')]);
  });

  it('matches an allergen the table does not know only by equal ingredient names', async () => {
    expect(await run(allergy('Latex'), medication('Gloves'))).toEqual([]);
    expect(await run(allergy('Chlorhexidine'), medication('Wash', { ingredients: ['chlorhexidine'] }))).toHaveLength(1);
  });

  it('reports progress per allergy and passes checkpoints', async () => {
    const context = new RecordingContext();
    await new DrugAllergyAnalyser().run([allergy('a'), allergy('b')], context);
    expect(context.progressReported).toEqual([50, 100]);
    expect(context.checkpoints).toBe(2);
  });
});

describe('ingredientsInText', () => {
  it('reads generic names, synonyms and brands by whole words', () => {
    expect(ingredientsInText('Percocet 5/325').sort()).toEqual(['acetaminophen', 'oxycodone']);
    expect(ingredientsInText('Paracetamol 500mg')).toEqual(['acetaminophen']);
    expect(ingredientsInText('Penicillin V potassium')).toEqual(['penicillin']);
    expect(ingredientsInText('Aspirinex')).toEqual([]);
  });
});

describe('DrugAllergyAnalyser with the same allergy recorded twice', () => {
  it('gives one finding per medication, at the more severe record, with both records as evidence', async () => {
    const first = allergy('Penicillin', { severity: 'MILD' });
    const second = allergy(' penicillin ', { severity: 'SEVERE' });
    const m = medication('Amoxicillin 500 mg');
    const findings = await run(first, second, m);
    expect(findings).toHaveLength(1);
    expect(findings[0].severity).toBe('CRITICAL');
    expect(findings[0].evidence.map((e) => e.entryId)).toEqual([first.id, second.id, m.id]);
  });
});
