import { medication, RecordingContext } from './analyser-test-kit';
import { DuplicateTherapyAnalyser } from './duplicate-therapy.analyser';

const run = (...entries: Parameters<DuplicateTherapyAnalyser['run']>[0]) =>
  new DuplicateTherapyAnalyser().run(entries, new RecordingContext());

describe('DuplicateTherapyAnalyser', () => {
  it('finds one ingredient in two active medications (a brand and a combination product)', async () => {
    const percocet = medication('Percocet 5/325');
    const tylenol = medication('Tylenol Extra Strength');
    const findings = await run(percocet, tylenol, medication('Lisinopril 10 mg'));
    expect(findings).toEqual([
      {
        code: 'DUPLICATE_INGREDIENT',
        severity: 'MODERATE',
        message: expect.stringContaining('acetaminophen is in 2 active medications'),
        evidence: [percocet, tylenol].map((m) => ({ entryId: m.id, category: 'MEDICATIONS', version: 1 })),
      },
    ]);
  });

  it('finds two different ingredients of a class where that is a duplication, once per class', async () => {
    const findings = await run(
      medication('Ibuprofen 400 mg'),
      medication('Naproxen 250 mg'),
      medication('Aspirin 81 mg'),
    );
    expect(findings.map((f) => [f.code, f.severity, f.evidence.length])).toEqual([['DUPLICATE_CLASS', 'LOW', 3]]);
    expect(findings[0].message).toContain('NSAIDs (aspirin, ibuprofen, naproxen)');
  });

  it('does not call two products of one ingredient a class duplication, nor classes without the concern', async () => {
    const findings = await run(
      medication('Advil'),
      medication('Motrin IB'),
      medication('Amoxicillin'),
      medication('Cephalexin'),
    );
    expect(findings.map((f) => f.code)).toEqual(['DUPLICATE_INGREDIENT']);
  });

  it('ignores medications that are not active', async () => {
    expect(
      await run(medication('Atorvastatin 20 mg'), medication('Simvastatin 40 mg', { status: 'COMPLETED' })),
    ).toEqual([]);
  });
});
