import { registerDecorator, type ValidationArguments, type ValidationOptions } from 'class-validator';
import type { VitalSignType } from './entry-content';
import { VITAL_SIGNS } from './vital-signs.catalog';

/**
 * The checks of clinical entries that class-validator does not have: calendar dates and instants
 * that cannot lie in the future, date order, and vital-sign readings against their type. Each is a
 * pure function (unit-tested) and a decorator whose message names the rule, never the value.
 */

const EARLIEST_DATE = '1900-01-01';
/** Clock skew tolerated on instants (a device a little ahead of the server). */
const INSTANT_SKEW_MS = 5 * 60_000;
/** The calendar date somewhere on Earth right now (UTC+14), so a same-day date is never "future". */
const latestDateToday = (now: Date) => new Date(now.getTime() + 14 * 3_600_000).toISOString().slice(0, 10);

/** A real `YYYY-MM-DD` calendar date from 1900 on (2026-02-30 is not one). */
export function isCalendarDate(value: unknown): value is string {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const [y, m, d] = value.split('-').map(Number);
  const date = new Date(Date.UTC(y, m - 1, d));
  return (
    date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d && value >= EARLIEST_DATE
  );
}

export function isPastCalendarDate(value: unknown, now = new Date()): value is string {
  return isCalendarDate(value) && value <= latestDateToday(now);
}

/** An ISO 8601 date-time with seconds and an explicit offset (`Z` or `+02:00`), from 1900 on. */
export function isInstant(value: unknown): value is string {
  if (
    typeof value !== 'string' ||
    !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$/.test(value)
  ) {
    return false;
  }
  const time = Date.parse(value);
  return !Number.isNaN(time) && isCalendarDate(value.slice(0, 10)) && time >= Date.parse(`${EARLIEST_DATE}T00:00:00Z`);
}

export function isPastInstant(value: unknown, now = new Date()): value is string {
  return isInstant(value) && Date.parse(value) <= now.getTime() + INSTANT_SKEW_MS;
}

function decorator(
  name: string,
  message: string | ((args: ValidationArguments) => string),
  validate: (value: unknown, args: ValidationArguments) => boolean,
  constraints: unknown[] = [],
) {
  return (options?: ValidationOptions): PropertyDecorator =>
    (target, propertyName) =>
      registerDecorator({
        name,
        target: target.constructor,
        propertyName: propertyName as string,
        constraints,
        options: { message, ...options },
        validator: { validate },
      });
}

/** `YYYY-MM-DD`, a real date from 1900 on. */
export const IsCalendarDate = decorator(
  'isCalendarDate',
  '$property must be a calendar date (YYYY-MM-DD) from 1900 on',
  isCalendarDate,
);

/** `YYYY-MM-DD`, a real date from 1900 on and not after today (an onset, a procedure, a dose given). */
export const IsPastCalendarDate = decorator(
  'isPastCalendarDate',
  '$property must be a calendar date (YYYY-MM-DD) from 1900 on and not in the future',
  (value) => isPastCalendarDate(value),
);

/** An ISO 8601 instant with an offset, not in the future (a measurement already taken). */
export const IsPastInstant = decorator(
  'isPastInstant',
  '$property must be an ISO 8601 date-time with an offset (e.g. 2026-11-27T08:30:00Z), not in the future',
  (value) => isPastInstant(value),
);

/** On or after the date in `otherField` (skipped while either is absent; their own checks report them). */
export function IsOnOrAfter(otherField: string, options?: ValidationOptions): PropertyDecorator {
  return decorator(
    'isOnOrAfter',
    `$property must not be before ${otherField}`,
    (value, args) => {
      const other = (args.object as Record<string, unknown>)[otherField];
      if (typeof value !== 'string' || typeof other !== 'string') return true;
      return value >= other;
    },
    [otherField],
  )(options);
}

export type VitalSignField = 'value' | 'systolic' | 'diastolic';

/**
 * What is wrong with one field of a vital-sign reading given its type, or null: `value` is required
 * for every type but BLOOD_PRESSURE and refused for it; `systolic` and `diastolic` the reverse;
 * each number inside the type's plausible range; the diastolic below the systolic.
 */
export function vitalSignFieldProblem(field: VitalSignField, reading: Record<string, unknown>): string | null {
  // Own keys only: a `type` of "constructor" or "__proto__" is not a vital sign.
  if (typeof reading.type !== 'string' || !Object.hasOwn(VITAL_SIGNS, reading.type)) return null; // the type's check reports it
  const definition = VITAL_SIGNS[reading.type as VitalSignType];
  const value = reading[field];
  const isPanel = definition.components !== undefined;
  const wanted = isPanel ? field !== 'value' : field === 'value';
  if (!wanted) {
    return value === undefined
      ? null
      : isPanel
        ? 'is not allowed for BLOOD_PRESSURE (send systolic and diastolic)'
        : `is only allowed for BLOOD_PRESSURE (send value for ${String(reading.type)})`;
  }
  if (value === undefined || value === null) return `is required for ${String(reading.type)}`;
  if (typeof value !== 'number' || !Number.isFinite(value)) return 'must be a number';
  const range = isPanel ? definition.components![field as 'systolic' | 'diastolic'].range : definition.range!;
  if (value < range.min || value > range.max) {
    return `must be between ${range.min} and ${range.max} ${definition.unit} for ${String(reading.type)}`;
  }
  if (field === 'diastolic' && typeof reading.systolic === 'number' && value >= reading.systolic) {
    return 'must be lower than systolic';
  }
  return null;
}

/** A field of a vital-sign reading, checked against the reading's `type` (see vitalSignFieldProblem). */
export function IsVitalSignReading(field: VitalSignField, options?: ValidationOptions): PropertyDecorator {
  return decorator(
    'isVitalSignReading',
    (args) => `$property ${vitalSignFieldProblem(field, args.object as Record<string, unknown>) ?? 'is invalid'}`,
    (_value, args) => vitalSignFieldProblem(field, args.object as Record<string, unknown>) === null,
    [field],
  )(options);
}
