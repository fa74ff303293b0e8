import { decodeCursor, type CursorValues } from '@itinera/platform';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A time as filters accept it: a calendar date (midnight UTC) or a date and time with an explicit
 * offset (`Z` or `+hh:mm`), seconds and up to six fractional digits optional. A time without an
 * offset would depend on the database session's time zone, so it is refused.
 */
const AUDIT_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?(Z|[+-](\d{2}):(\d{2})))?$/;

/** An entry's position in the newest-first order: occurred_at (UTC, microseconds) and id. */
export interface AuditLogPosition {
  /** `YYYY-MM-DDTHH:MM:SS.ffffffZ`, exactly as the list reads it from the database. */
  occurredAt: string;
  id: string;
}

/** What a caller may narrow the log to; every field optional, all of them ANDed. */
export interface AuditEventFilter {
  actorType?: string;
  actorId?: string;
  action?: string;
  resourceType?: string;
  resourceId?: string;
  /** Entries at or after this time (an `isAuditTime` string). */
  from?: string;
  /** Entries at or before this time (an `isAuditTime` string). */
  to?: string;
}

/** Microseconds since the epoch of an `isAuditTime` string, or undefined when it is not one. */
export function auditTimeMicros(value: string): bigint | undefined {
  const m = AUDIT_TIME.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h = '00', mi = '00', s = '00', fraction = '', zone = 'Z', zh = '00', zm = '00'] = m;
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number);
  // setUTCFullYear, unlike Date.UTC, keeps years below 100; reading the fields back refuses
  // impossible dates (Feb 30 would roll over into March).
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  if (
    year < 1 ||
    date.getUTCFullYear() !== year ||
    date.getUTCMonth() !== month - 1 ||
    date.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59 ||
    // Real offsets run from -12:00 to +14:00; PostgreSQL refuses anything past 15:59.
    Number(zh) > 14 ||
    Number(zm) > 59
  ) {
    return undefined;
  }
  const epochMs = date.getTime();
  const offsetMinutes = zone === 'Z' ? 0 : (zone.startsWith('-') ? -1 : 1) * (Number(zh) * 60 + Number(zm));
  const micros = BigInt(fraction.padEnd(6, '0'));
  return (BigInt(epochMs) - BigInt(offsetMinutes) * 60_000n) * 1000n + micros;
}

export function isAuditTime(value: unknown): value is string {
  return typeof value === 'string' && auditTimeMicros(value) !== undefined;
}

/**
 * An `isAuditTime` string as PostgreSQL should read it: a bare date gains `T00:00:00Z`, so it
 * means midnight UTC whatever the session's time zone.
 */
export function toTimestampLiteral(value: string): string {
  return value.length === 10 ? `${value}T00:00:00Z` : value;
}

/** How the list reads occurred_at: UTC with all six fractional digits, so a cursor loses nothing. */
export const OCCURRED_AT_TEXT = `to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

const POSITION_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

type AuditCursor = [string, string];
const isAuditCursor = (v: CursorValues): v is AuditCursor =>
  v.length === 2 &&
  typeof v[0] === 'string' &&
  POSITION_TIME.test(v[0]) &&
  auditTimeMicros(v[0]) !== undefined &&
  typeof v[1] === 'string' &&
  UUID.test(v[1]);

/** The cursor of a page that ends at `position`. */
export function auditCursorValues(position: AuditLogPosition): CursorValues {
  return [position.occurredAt, position.id];
}

/** The position a list cursor names; anything this list did not issue is a 400 INVALID_CURSOR. */
export function decodeAuditCursor(cursor: string): AuditLogPosition {
  const [occurredAt, id] = decodeCursor(cursor, isAuditCursor);
  return { occurredAt, id: id.toLowerCase() };
}

export interface AuditEventQueryOptions {
  /** Start after this entry (exclusive), in the newest-first order. */
  after?: AuditLogPosition;
  /** Only entries up to this chain position: an export's snapshot bound. */
  maxSeq?: string;
  /** Rows to fetch. */
  limit: number;
}

/** The columns of one entry as the HTTP layer maps them (see toAuditEventResponse). */
export const AUDIT_EVENT_COLUMNS = [
  'id',
  'tenant_id',
  'seq::text AS seq',
  'actor_type::text AS actor_type',
  'actor_id',
  'action',
  'resource_type',
  'resource_id',
  'before',
  'after',
  'metadata',
  'abbrev(ip) AS ip',
  'user_agent',
  'request_id',
  `${OCCURRED_AT_TEXT} AS occurred_at`,
  `encode(hash, 'hex') AS hash`,
].join(', ');

/**
 * One page of one tenant's entries, newest first, as SQL with $n placeholders and their values.
 * The explicit `tenant_id = $1` (row-level security applies as well) lets PostgreSQL walk the
 * index (tenant_id, occurred_at DESC, id DESC) from the cursor instead of sorting; every value is
 * a placeholder, never text spliced into the statement.
 */
export function buildAuditEventQuery(
  tenantId: string,
  filter: AuditEventFilter,
  options: AuditEventQueryOptions,
): { sql: string; values: unknown[] } {
  if (!UUID.test(tenantId)) throw new TypeError('tenantId must be a UUID');
  if (!Number.isInteger(options.limit) || options.limit < 1) throw new RangeError('limit must be a positive integer');
  const values: unknown[] = [tenantId];
  const param = (value: unknown) => {
    values.push(value);
    return `$${values.length}`;
  };
  const where = ['tenant_id = $1::uuid'];
  if (filter.actorType !== undefined) where.push(`actor_type = ${param(filter.actorType)}::"AuditActorType"`);
  if (filter.actorId !== undefined) where.push(`actor_id = ${param(filter.actorId)}`);
  if (filter.action !== undefined) where.push(`action = ${param(filter.action)}`);
  if (filter.resourceType !== undefined) where.push(`resource_type = ${param(filter.resourceType)}`);
  if (filter.resourceId !== undefined) where.push(`resource_id = ${param(filter.resourceId)}`);
  if (filter.from !== undefined) where.push(`occurred_at >= ${param(toTimestampLiteral(filter.from))}::timestamptz`);
  if (filter.to !== undefined) where.push(`occurred_at <= ${param(toTimestampLiteral(filter.to))}::timestamptz`);
  if (options.after) {
    where.push(
      `(occurred_at, id) < (${param(options.after.occurredAt)}::timestamptz, ${param(options.after.id)}::uuid)`,
    );
  }
  if (options.maxSeq !== undefined) {
    if (!/^\d+$/.test(options.maxSeq)) throw new TypeError('maxSeq must be a non-negative integer');
    where.push(`seq <= ${param(options.maxSeq)}::bigint`);
  }
  const sql =
    `SELECT ${AUDIT_EVENT_COLUMNS} FROM audit_log WHERE ${where.join(' AND ')} ` +
    `ORDER BY occurred_at DESC, id DESC LIMIT ${param(options.limit)}`;
  return { sql, values };
}
