import type { FindingSeverity } from '@prisma/client';
import type { FindingEvidence, FindingInput } from '../analyser';
import { ModelProviderError, ModelProviderErrorCode } from './model-provider.errors';

const SEVERITIES = new Set<FindingSeverity>(['INFO', 'LOW', 'MODERATE', 'HIGH', 'CRITICAL']);
/** More than this from one review is a model running away; the rest is dropped. */
export const MAX_MODEL_FINDINGS = 50;

const invalid = (why: string) =>
  new ModelProviderError(
    ModelProviderErrorCode.AnswerInvalid,
    `the model's answer is not the findings JSON asked for: ${why}`,
    true,
  );

/**
 * The findings of a model's answer: `{"findings":[{code, severity, message, evidence:[ref]}]}`.
 * A wrong shape anywhere (not JSON, no findings array, a finding without a code, a known severity
 * or a message) fails the attempt with MODEL_ANSWER_INVALID, which the job retries. Codes get a
 * `MODEL_` prefix (so a model cannot pass for a built-in rule), refs that are not in the record
 * are dropped, and messages are cut to 1,000 characters. The error names what is wrong, never the
 * answer's text.
 */
export function parseModelFindings(
  content: string,
  evidenceByRef: ReadonlyMap<string, FindingEvidence>,
): FindingInput[] {
  let answer: unknown;
  try {
    answer = JSON.parse(content);
  } catch {
    throw invalid('not JSON');
  }
  const findings = (answer as { findings?: unknown } | null)?.findings;
  if (!Array.isArray(findings)) throw invalid('no "findings" array');
  return findings.slice(0, MAX_MODEL_FINDINGS).map((raw: unknown, index) => {
    const f = raw as Record<string, unknown> | null;
    if (typeof f !== 'object' || f === null) throw invalid(`finding ${index} is not an object`);
    const code =
      typeof f.code === 'string'
        ? f.code
            .toUpperCase()
            .replace(/[^A-Z0-9]+/g, '_')
            .replace(/^_+|_+$/g, '')
        : '';
    if (!code) throw invalid(`finding ${index} has no code`);
    const severity = typeof f.severity === 'string' ? (f.severity.toUpperCase() as FindingSeverity) : undefined;
    if (!severity || !SEVERITIES.has(severity)) throw invalid(`finding ${index} has no known severity`);
    if (typeof f.message !== 'string' || !f.message.trim()) throw invalid(`finding ${index} has no message`);
    const refs = Array.isArray(f.evidence) ? f.evidence : [];
    const evidence = [...new Set(refs.filter((r): r is string => typeof r === 'string'))]
      .map((ref) => evidenceByRef.get(ref))
      .filter((e): e is FindingEvidence => e !== undefined);
    return {
      code: `MODEL_${code}`.slice(0, 60),
      severity,
      message: f.message.trim().slice(0, 1000),
      evidence,
    };
  });
}
