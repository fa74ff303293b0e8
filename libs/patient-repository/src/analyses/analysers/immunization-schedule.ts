import type { FindingSeverity } from '@prisma/client';

/**
 * A small shipped adult schedule, after the CDC's Recommended Adult Immunization Schedule
 * (United States, 2025), limited to what can be judged from the immunization history alone: the
 * analyser does not read personal information, so age-based starts (zoster at 50, pneumococcal
 * at 50, RSV at 75) are not applied, only repeat intervals and the completion of a started series.
 * Vaccines are recognised by CDC CVX code (https://www2a.cdc.gov/vaccines/iis/iisstandards/vaccines.asp),
 * compared as numbers ("09" and "9" are the same code).
 */
export interface ScheduledVaccine {
  id: string;
  /** For messages. */
  name: string;
  /** The CVX codes that count as a dose. */
  cvxCodes: string[];
  /** A booster is due this many months after the last dose. */
  repeatMonths?: number;
  /** A series: the next dose is due within this many months of the previous one, until `doses`. */
  series?: { doses: number; withinMonths: number };
  /** With no dose on record at all, a finding of this severity (none when absent). */
  whenNoRecord?: FindingSeverity;
  /** The severity of an overdue dose. */
  overdueSeverity: FindingSeverity;
  /** Where the rule comes from, quoted in the finding. */
  source: string;
}

export const ADULT_SCHEDULE: ScheduledVaccine[] = [
  {
    id: 'td-tdap',
    name: 'Td/Tdap booster',
    // 09 Td (adult), 113 Td preservative-free, 115 Tdap, 138 Td not adsorbed, 139 Td unspecified.
    cvxCodes: ['09', '113', '115', '138', '139'],
    repeatMonths: 120,
    whenNoRecord: 'INFO',
    overdueSeverity: 'LOW',
    source: 'CDC adult schedule: Td or Tdap every 10 years',
  },
  {
    id: 'influenza',
    name: 'Influenza vaccine',
    // Inactivated, recombinant and live influenza vaccines (CVX 88 unspecified, and the seasonal products).
    cvxCodes: [
      '88',
      '111',
      '135',
      '140',
      '141',
      '144',
      '149',
      '150',
      '153',
      '155',
      '158',
      '161',
      '166',
      '168',
      '171',
      '185',
      '186',
      '197',
      '205',
    ],
    repeatMonths: 12,
    whenNoRecord: 'INFO',
    overdueSeverity: 'LOW',
    source: 'CDC adult schedule: influenza vaccine every season (checked as within the last 12 months)',
  },
  {
    id: 'covid-19',
    name: 'COVID-19 vaccine',
    // The COVID-19 products' codes as of the 2024–2025 season.
    cvxCodes: [
      '207',
      '208',
      '210',
      '211',
      '212',
      '213',
      '217',
      '218',
      '219',
      '221',
      '228',
      '229',
      '230',
      '300',
      '301',
      '302',
      '309',
      '310',
      '311',
      '312',
      '313',
    ],
    repeatMonths: 12,
    overdueSeverity: 'LOW',
    source: "CDC adult schedule: the current season's COVID-19 vaccine (checked as within the last 12 months)",
  },
  {
    id: 'zoster-rzv',
    name: 'Recombinant zoster vaccine (RZV), dose 2',
    cvxCodes: ['187'],
    series: { doses: 2, withinMonths: 6 },
    overdueSeverity: 'MODERATE',
    source: 'CDC adult schedule: RZV 2 doses, the second 2–6 months after the first',
  },
  {
    id: 'hepb-heplisav',
    name: 'Hepatitis B vaccine (Heplisav-B), dose 2',
    cvxCodes: ['189'],
    series: { doses: 2, withinMonths: 1 },
    overdueSeverity: 'LOW',
    source: 'CDC adult schedule: Heplisav-B 2 doses at least 4 weeks apart',
  },
];
