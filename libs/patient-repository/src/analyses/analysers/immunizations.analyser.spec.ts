import { entry, RecordingContext } from './analyser-test-kit';
import { addMonths, ImmunizationsAnalyser } from './immunizations.analyser';

const dose = (cvxCode: string, date: string) => entry('IMMUNIZATIONS', { cvxCode, vaccine: `CVX ${cvxCode}`, date });
const now = new Date('2026-11-27T12:00:00Z');
const run = async (...doses: ReturnType<typeof dose>[]) =>
  new ImmunizationsAnalyser().run(doses, new RecordingContext(now));

describe('ImmunizationsAnalyser', () => {
  it('says nothing about a history that is up to date', async () => {
    expect(await run(dose('115', '2020-03-01'), dose('158', '2026-10-01'), dose('309', '2026-09-15'))).toEqual([]);
  });

  it('finds a Td/Tdap booster overdue after 10 years, with the last dose as evidence', async () => {
    const last = dose('09', '2015-06-01');
    const findings = await run(dose('115', '2005-01-01'), last, dose('158', '2026-10-01'));
    expect(findings).toEqual([
      {
        code: 'IMMUNIZATION_OVERDUE',
        severity: 'LOW',
        message: expect.stringContaining('Td/Tdap booster overdue since 2025-06-01'),
        evidence: [{ entryId: last.id, category: 'IMMUNIZATIONS', version: 1 }],
      },
    ]);
  });

  it('finds influenza and COVID-19 vaccines older than 12 months', async () => {
    const findings = await run(dose('115', '2020-03-01'), dose('150', '2025-10-01'), dose('208', '2025-11-26'));
    expect(findings.map((f) => f.message.split(' overdue')[0])).toEqual(['Influenza vaccine', 'COVID-19 vaccine']);
  });

  it('notes the vaccines every adult should have when none is on record, and ignores doses dated after now', async () => {
    const findings = await run(dose('115', '2027-01-01'));
    expect(findings.map((f) => [f.code, f.severity, f.evidence])).toEqual([
      ['IMMUNIZATION_NO_RECORD', 'INFO', []],
      ['IMMUNIZATION_NO_RECORD', 'INFO', []],
    ]);
  });

  it('finds a started RZV series whose second dose is late, and not one that is complete or still on time', async () => {
    const first = dose('187', '2026-01-10');
    const late = await run(dose('115', '2020-03-01'), dose('158', '2026-10-01'), first);
    expect(late.map((f) => [f.code, f.severity, f.evidence.length])).toEqual([
      ['IMMUNIZATION_SERIES_INCOMPLETE', 'MODERATE', 1],
    ]);
    expect(late[0].message).toContain('overdue since 2026-07-10: 1 of 2 doses');
    expect(await run(dose('115', '2020-03-01'), dose('158', '2026-10-01'), dose('187', '2026-08-01'))).toEqual([]);
    expect(await run(dose('115', '2020-03-01'), dose('158', '2026-10-01'), first, dose('187', '2026-04-01'))).toEqual(
      [],
    );
  });

  it('is deterministic in context.now', async () => {
    const doses = [dose('115', '2016-11-27')];
    const at = (iso: string) => new ImmunizationsAnalyser().run(doses, new RecordingContext(new Date(iso)));
    expect((await at('2026-11-27T23:59:00Z')).filter((f) => f.code === 'IMMUNIZATION_OVERDUE')).toEqual([]);
    expect((await at('2026-11-28T00:00:00Z')).filter((f) => f.code === 'IMMUNIZATION_OVERDUE')).toHaveLength(1);
  });
});

describe('addMonths', () => {
  it('keeps the day inside the target month', () => {
    expect(addMonths('2026-01-31', 1)).toBe('2026-02-28');
    expect(addMonths('2024-01-31', 1)).toBe('2024-02-29');
    expect(addMonths('2015-06-01', 120)).toBe('2025-06-01');
    expect(addMonths('2025-11-15', 2)).toBe('2026-01-15');
  });
});
