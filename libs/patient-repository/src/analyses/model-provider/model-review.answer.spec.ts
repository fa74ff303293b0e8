import type { FindingEvidence } from '../analyser';
import { MAX_MODEL_FINDINGS, parseModelFindings } from './model-review.answer';
import { ModelProviderErrorCode } from './model-provider.errors';

const e1: FindingEvidence = { entryId: '00000000-0000-4000-8000-000000000001', category: 'MEDICATIONS', version: 2 };
const refs = new Map([['e1', e1]]);

const failureOf = (content: string) => {
  try {
    parseModelFindings(content, refs);
  } catch (error) {
    return error as { code: string; retryable: boolean; message: string };
  }
  throw new Error('expected a failure');
};

describe('parseModelFindings', () => {
  it('turns the answer into findings: prefixed codes, known refs only, severities in upper case', () => {
    const findings = parseModelFindings(
      JSON.stringify({
        findings: [
          {
            code: 'qt prolongation-risk',
            severity: 'high',
            message: '  Check the ECG.  ',
            evidence: ['e1', 'e9', 'e1', 3],
          },
          { code: 'NO_EVIDENCE', severity: 'INFO', message: 'General advice.' },
        ],
      }),
      refs,
    );
    expect(findings).toEqual([
      { code: 'MODEL_QT_PROLONGATION_RISK', severity: 'HIGH', message: 'Check the ECG.', evidence: [e1] },
      { code: 'MODEL_NO_EVIDENCE', severity: 'INFO', message: 'General advice.', evidence: [] },
    ]);
  });

  it('accepts an empty list and bounds runaway answers', () => {
    expect(parseModelFindings('{"findings":[]}', refs)).toEqual([]);
    const many = Array.from({ length: 80 }, (_, i) => ({ code: `C${i}`, severity: 'LOW', message: 'm'.repeat(2000) }));
    const findings = parseModelFindings(JSON.stringify({ findings: many }), refs);
    expect(findings).toHaveLength(MAX_MODEL_FINDINGS);
    expect(findings[0].message).toHaveLength(1000);
    expect(findings.every((f) => f.code.length <= 60)).toBe(true);
  });

  it.each([
    ['Sure! The patient looks fine.', 'not JSON'],
    ['{"result":[]}', 'no "findings" array'],
    ['null', 'no "findings" array'],
    ['{"findings":["x"]}', 'finding 0 is not an object'],
    ['{"findings":[{"severity":"LOW","message":"m"}]}', 'finding 0 has no code'],
    ['{"findings":[{"code":"X","severity":"URGENT","message":"m"}]}', 'finding 0 has no known severity'],
    ['{"findings":[{"code":"X","severity":"LOW","message":" "}]}', 'finding 0 has no message'],
  ])('fails %s with MODEL_ANSWER_INVALID (retryable), naming what is wrong and not the text', (content, why) => {
    const failure = failureOf(content);
    expect(failure.code).toBe(ModelProviderErrorCode.AnswerInvalid);
    expect(failure.retryable).toBe(true);
    expect(failure.message).toContain(why);
    expect(failure.message).not.toContain('patient looks fine');
  });
});
