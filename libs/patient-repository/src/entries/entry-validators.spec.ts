import { isCptCode, isCvxCode, isIcd10CmCode, isRxNormCode } from './entry-codes';
import {
  isCalendarDate,
  isInstant,
  isPastCalendarDate,
  isPastInstant,
  vitalSignFieldProblem,
  type VitalSignField,
} from './entry-validators';

describe('code formats', () => {
  it.each(['E11.9', 'I10', 'J45.909', 'S72.001A', 'Z00.00', 'A00', 'C7A.1', 'M1A.0110'])(
    'accepts ICD-10-CM %s',
    (code) => {
      expect(isIcd10CmCode(code)).toBe(true);
    },
  );
  it.each(['U07.1', 'e11.9', '11.9', 'E1', 'E11.', 'E11.12345', 'E11-9', 'EE1.9', '', ' E11.9', 42])(
    'refuses ICD-10-CM %p',
    (code) => {
      expect(isIcd10CmCode(code)).toBe(false);
    },
  );

  it.each(['1', '860975', '12345678'])('accepts RXCUI %s', (code) => expect(isRxNormCode(code)).toBe(true));
  it.each(['', '123456789', '86097a', '-1', 860975])('refuses RXCUI %p', (code) =>
    expect(isRxNormCode(code)).toBe(false),
  );

  it.each(['8', '20', '208'])('accepts CVX %s', (code) => expect(isCvxCode(code)).toBe(true));
  it.each(['', '2080', '20a', 208])('refuses CVX %p', (code) => expect(isCvxCode(code)).toBe(false));

  it.each(['99213', '45378', '0001F', '0042T'])('accepts CPT %s', (code) => expect(isCptCode(code)).toBe(true));
  it.each(['9921', '992134', '0001X', 'F0001', '9921a', 99213])('refuses CPT %p', (code) =>
    expect(isCptCode(code)).toBe(false),
  );
});

describe('dates and instants', () => {
  const now = new Date('2026-11-27T12:00:00Z');

  it('accepts real calendar dates from 1900 on', () => {
    expect(isCalendarDate('2024-02-29')).toBe(true);
    expect(isCalendarDate('1900-01-01')).toBe(true);
    expect(isCalendarDate('2099-12-31')).toBe(true);
  });

  it.each([
    '2023-02-29',
    '2026-13-01',
    '2026-00-10',
    '2026-04-31',
    '1899-12-31',
    '2026-1-5',
    '27/11/2026',
    '',
    20261127,
  ])('refuses %p as a calendar date', (value) => expect(isCalendarDate(value)).toBe(false));

  it('refuses future dates where the event must have happened, allowing today anywhere on Earth', () => {
    expect(isPastCalendarDate('2026-11-27', now)).toBe(true);
    expect(isPastCalendarDate('2026-11-28', now)).toBe(true); // already the 28th in UTC+14
    expect(isPastCalendarDate('2026-11-29', now)).toBe(false);
    expect(isPastCalendarDate('2031-01-01', now)).toBe(false);
  });

  it('takes instants with an offset only', () => {
    expect(isInstant('2026-11-27T08:30:00Z')).toBe(true);
    expect(isInstant('2026-11-27T08:30:00.123+02:00')).toBe(true);
    expect(isInstant('2026-11-27T08:30:00')).toBe(false);
    expect(isInstant('2026-11-27')).toBe(false);
    expect(isInstant('2026-02-30T08:30:00Z')).toBe(false);
    expect(isInstant('1899-12-31T23:59:59Z')).toBe(false);
  });

  it('refuses instants in the future beyond a few minutes of clock skew', () => {
    expect(isPastInstant('2026-11-27T12:04:00Z', now)).toBe(true);
    expect(isPastInstant('2026-11-27T12:06:00Z', now)).toBe(false);
    expect(isPastInstant('2026-11-27T13:00:00+02:00', now)).toBe(true);
  });
});

describe('vital-sign readings', () => {
  const problem = (field: VitalSignField, reading: Record<string, unknown>) => vitalSignFieldProblem(field, reading);

  it('wants a value for single-valued types and refuses systolic/diastolic for them', () => {
    expect(problem('value', { type: 'HEART_RATE', value: 72 })).toBeNull();
    expect(problem('value', { type: 'HEART_RATE' })).toBe('is required for HEART_RATE');
    expect(problem('systolic', { type: 'HEART_RATE', value: 72, systolic: 120 })).toMatch(
      /only allowed for BLOOD_PRESSURE/,
    );
  });

  it('wants systolic and diastolic for blood pressure and refuses a value', () => {
    const bp = { type: 'BLOOD_PRESSURE', systolic: 120, diastolic: 80 };
    expect(problem('systolic', bp)).toBeNull();
    expect(problem('diastolic', bp)).toBeNull();
    expect(problem('value', bp)).toBeNull();
    expect(problem('value', { ...bp, value: 120 })).toMatch(/not allowed for BLOOD_PRESSURE/);
    expect(problem('diastolic', { type: 'BLOOD_PRESSURE', systolic: 120 })).toBe('is required for BLOOD_PRESSURE');
    expect(problem('diastolic', { ...bp, diastolic: 130 })).toBe('must be lower than systolic');
  });

  it.each([
    ['HEART_RATE', 19, 20, 300, 301],
    ['RESPIRATORY_RATE', 1, 2, 80, 81],
    ['BODY_TEMPERATURE', 24.9, 25, 45, 45.1],
    ['OXYGEN_SATURATION', 49, 50, 100, 101],
    ['BODY_HEIGHT', 19, 20, 272, 273],
    ['BODY_WEIGHT', 0.1, 0.2, 650, 651],
    ['BMI', 4, 5, 150, 151],
  ])('holds %s inside its plausible range', (type, below, min, max, above) => {
    expect(problem('value', { type, value: min })).toBeNull();
    expect(problem('value', { type, value: max })).toBeNull();
    expect(problem('value', { type, value: below })).toMatch(/^must be between/);
    expect(problem('value', { type, value: above })).toMatch(/^must be between/);
  });

  it('holds blood-pressure components inside theirs', () => {
    expect(problem('systolic', { type: 'BLOOD_PRESSURE', systolic: 39, diastolic: 30 })).toMatch(
      /between 40 and 300 mm\[Hg\]/,
    );
    expect(problem('diastolic', { type: 'BLOOD_PRESSURE', systolic: 120, diastolic: 19 })).toMatch(
      /between 20 and 200/,
    );
  });

  it('refuses non-numbers and leaves an unknown type to the type check', () => {
    expect(problem('value', { type: 'HEART_RATE', value: '72' })).toBe('must be a number');
    expect(problem('value', { type: 'HEART_RATE', value: Number.NaN })).toBe('must be a number');
    expect(problem('value', { type: 'PULSE', value: 72 })).toBeNull();
    for (const type of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 42, null, {}]) {
      expect(problem('value', { type, value: 72 })).toBeNull();
    }
  });
});
