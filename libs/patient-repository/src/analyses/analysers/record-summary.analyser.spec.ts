import { allergy, medication, RecordingContext } from './analyser-test-kit';
import { RecordSummaryAnalyser } from './record-summary.analyser';

describe('RecordSummaryAnalyser', () => {
  it('counts the live entries per category in one INFO finding', async () => {
    const context = new RecordingContext();
    const findings = await new RecordSummaryAnalyser().run([medication('a'), medication('b'), allergy('c')], context);
    expect(findings).toEqual([
      {
        code: 'RECORD_SUMMARY',
        severity: 'INFO',
        message:
          '3 live entries: 0 diagnoses, 2 medications, 1 allergies, 0 vital signs, 0 procedures, 0 immunizations, 0 family history.',
        evidence: [],
      },
    ]);
    expect(context.progressReported).toEqual([100]);
    expect(context.checkpoints).toBe(1);
  });
});
