import type { DecryptedEntry } from '../../entries/entry-content';
import type { Analyser, AnalyserContext, FindingInput } from '../analyser';
import { entriesOf, evidenceOf, inSteps } from './finding-helpers';
import { ADULT_SCHEDULE, type ScheduledVaccine } from './immunization-schedule';

type Dose = DecryptedEntry<'IMMUNIZATIONS'>;

/** CVX codes compare as numbers: "09" is "9". */
const cvxKey = (code: string) => String(Number.parseInt(code, 10));

/** `date` (YYYY-MM-DD) plus `months`, kept inside the target month (Jan 31 + 1 month = Feb 28/29). */
export function addMonths(date: string, months: number): string {
  const [y, m, d] = date.split('-').map(Number);
  const lastDay = new Date(Date.UTC(y, m - 1 + months + 1, 0)).getUTCDate();
  return new Date(Date.UTC(y, m - 1 + months, Math.min(d, lastDay))).toISOString().slice(0, 10);
}

/**
 * IMMUNIZATIONS: the shipped adult schedule (immunization-schedule.ts) against the doses given up
 * to `now`'s date (UTC):
 * - IMMUNIZATION_OVERDUE: a repeating vaccine whose last dose is older than its interval (the last
 *   dose as evidence);
 * - IMMUNIZATION_NO_RECORD (INFO): no dose on record of a vaccine every adult should have (Td/Tdap,
 *   influenza) — the history may simply be incomplete;
 * - IMMUNIZATION_SERIES_INCOMPLETE: a started series (RZV, Heplisav-B) whose next dose is late (the
 *   doses given as evidence).
 */
export class ImmunizationsAnalyser implements Analyser {
  readonly kind = 'IMMUNIZATIONS' as const;
  readonly categories = ['IMMUNIZATIONS' as const];

  constructor(private readonly schedule: ScheduledVaccine[] = ADULT_SCHEDULE) {}

  async run(entries: DecryptedEntry[], context: AnalyserContext): Promise<FindingInput[]> {
    const today = context.now.toISOString().slice(0, 10);
    const doses = entriesOf(entries, 'IMMUNIZATIONS')
      .filter((d) => d.content.date <= today)
      .sort((a, b) => a.content.date.localeCompare(b.content.date) || a.id.localeCompare(b.id));
    const findings: FindingInput[] = [];
    await inSteps(context, this.schedule, (vaccine) => {
      const codes = new Set(vaccine.cvxCodes.map(cvxKey));
      const given = doses.filter((d) => codes.has(cvxKey(d.content.cvxCode)));
      const finding = vaccine.series ? seriesFinding(vaccine, given, today) : repeatFinding(vaccine, given, today);
      if (finding) findings.push(finding);
    });
    return findings;
  }
}

function repeatFinding(vaccine: ScheduledVaccine, given: Dose[], today: string): FindingInput | undefined {
  const last = given[given.length - 1];
  if (!last) {
    return vaccine.whenNoRecord
      ? {
          code: 'IMMUNIZATION_NO_RECORD',
          severity: vaccine.whenNoRecord,
          message: `No ${vaccine.name} on record (${vaccine.source}).`,
          evidence: [],
        }
      : undefined;
  }
  const due = addMonths(last.content.date, vaccine.repeatMonths ?? 0);
  if (today <= due) return undefined;
  return {
    code: 'IMMUNIZATION_OVERDUE',
    severity: vaccine.overdueSeverity,
    message: `${vaccine.name} overdue since ${due}: last dose ${last.content.date} (${vaccine.source}).`,
    evidence: [evidenceOf(last)],
  };
}

function seriesFinding(vaccine: ScheduledVaccine, given: Dose[], today: string): FindingInput | undefined {
  const { doses, withinMonths } = vaccine.series!;
  if (given.length === 0 || given.length >= doses) return undefined;
  const last = given[given.length - 1];
  const due = addMonths(last.content.date, withinMonths);
  if (today <= due) return undefined;
  return {
    code: 'IMMUNIZATION_SERIES_INCOMPLETE',
    severity: vaccine.overdueSeverity,
    message: `${vaccine.name} overdue since ${due}: ${given.length} of ${doses} doses given, the last on ${last.content.date} (${vaccine.source}).`,
    evidence: given.map(evidenceOf),
  };
}
