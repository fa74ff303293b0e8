import { entry, medication } from '../analysers/analyser-test-kit';
import { buildModelReviewPrompt, MODEL_REVIEW_INSTRUCTIONS } from './model-review.prompt';

describe('buildModelReviewPrompt', () => {
  const now = new Date('2026-11-27T10:00:00Z');

  it('sends the entries newest first under refs, and maps each ref back to its entry', () => {
    const older = medication('Lisinopril 10 mg', { rxnormCode: '314076' });
    const newer = entry(
      'ALLERGIES',
      { substance: 'penicillin', severity: 'SEVERE', status: 'ACTIVE' },
      { updatedAt: new Date('2026-06-01') },
    );
    const prompt = buildModelReviewPrompt([older, newer], now, 4000);
    expect(prompt.messages[0]).toEqual({ role: 'system', content: MODEL_REVIEW_INSTRUCTIONS });
    const record = JSON.parse(prompt.messages[1].content) as {
      today: string;
      entries: { ref: string; category: string }[];
    };
    expect(record.today).toBe('2026-11-27');
    expect(record.entries.map((e) => [e.ref, e.category])).toEqual([
      ['e1', 'ALLERGIES'],
      ['e2', 'MEDICATIONS'],
    ]);
    expect(prompt.messages[1].content).toContain('314076');
    expect(prompt.messages[1].content).not.toContain(older.id);
    expect(prompt.evidenceByRef.get('e2')).toEqual({ entryId: older.id, category: 'MEDICATIONS', version: 1 });
    expect(prompt.omitted).toBe(0);
  });

  it('leaves the oldest entries out beyond the input-token estimate, and says how many', () => {
    const entries = Array.from({ length: 200 }, (_, i) => medication(`Medication number ${i} with a long name`));
    const prompt = buildModelReviewPrompt(entries, now, 1000);
    const size = prompt.messages.reduce((n, m) => n + m.content.length, 0);
    expect(size).toBeLessThanOrEqual(4000);
    expect(prompt.omitted).toBeGreaterThan(0);
    const record = JSON.parse(prompt.messages[1].content) as { olderEntriesOmitted: number; entries: unknown[] };
    expect(record.olderEntriesOmitted).toBe(prompt.omitted);
    expect(record.entries.length + prompt.omitted).toBe(200);
  });
});
