import { AppError, encodeCursor } from '@itinera/platform';
import {
  auditCursorValues,
  auditTimeMicros,
  buildAuditEventQuery,
  decodeAuditCursor,
  isAuditTime,
  toTimestampLiteral,
} from './audit-log-query';

const TENANT = '11111111-1111-4111-8111-111111111111';
const ENTRY = '22222222-2222-4222-8222-222222222222';

describe('audit log query building', () => {
  it('reads one tenant, newest first, with only the tenant condition when there is no filter', () => {
    const { sql, values } = buildAuditEventQuery(TENANT, {}, { limit: 21 });
    expect(sql).toMatch(/FROM audit_log WHERE tenant_id = \$1::uuid ORDER BY occurred_at DESC, id DESC LIMIT \$2$/);
    expect(values).toEqual([TENANT, 21]);
  });

  it('adds one placeholder per filter and never splices a value into the SQL', () => {
    const hostile = "x' OR true --";
    const { sql, values } = buildAuditEventQuery(
      TENANT,
      {
        actorType: 'USER',
        actorId: hostile,
        action: 'api_key.created',
        resourceType: 'api_key',
        resourceId: hostile,
        from: '2026-11-01',
        to: '2026-11-30T23:59:59.999999+01:00',
      },
      { limit: 5 },
    );
    expect(sql).not.toContain(hostile);
    expect(sql).toContain('actor_type = $2::"AuditActorType"');
    expect(sql).toContain('actor_id = $3');
    expect(sql).toContain('action = $4');
    expect(sql).toContain('resource_type = $5');
    expect(sql).toContain('resource_id = $6');
    expect(sql).toContain('occurred_at >= $7::timestamptz');
    expect(sql).toContain('occurred_at <= $8::timestamptz');
    expect(sql).toMatch(/LIMIT \$9$/);
    expect(values).toEqual([
      TENANT,
      'USER',
      hostile,
      'api_key.created',
      'api_key',
      hostile,
      '2026-11-01T00:00:00Z',
      '2026-11-30T23:59:59.999999+01:00',
      5,
    ]);
  });

  it('continues after a position with a row comparison the (occurred_at, id) index can walk, within a snapshot bound', () => {
    const { sql, values } = buildAuditEventQuery(
      TENANT,
      { action: 'a' },
      { after: { occurredAt: '2026-11-27T11:27:25.123456Z', id: ENTRY }, maxSeq: '42', limit: 1000 },
    );
    expect(sql).toContain('(occurred_at, id) < ($3::timestamptz, $4::uuid)');
    expect(sql).toContain('seq <= $5::bigint');
    expect(values).toEqual([TENANT, 'a', '2026-11-27T11:27:25.123456Z', ENTRY, '42', 1000]);
  });

  it('selects every column, with seq, ip, time and hash as text', () => {
    const { sql } = buildAuditEventQuery(TENANT, {}, { limit: 1 });
    for (const column of [
      'seq::text AS seq',
      'abbrev(ip) AS ip',
      "encode(hash, 'hex') AS hash",
      'before',
      'after',
      'metadata',
      'user_agent',
      'request_id',
    ]) {
      expect(sql).toContain(column);
    }
    expect(sql).toContain(`'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`);
  });

  it('refuses a tenant that is not a UUID, a bad limit and a bad snapshot bound (programming errors)', () => {
    expect(() => buildAuditEventQuery("'; DROP TABLE x", {}, { limit: 1 })).toThrow(TypeError);
    expect(() => buildAuditEventQuery(TENANT, {}, { limit: 0 })).toThrow(RangeError);
    expect(() => buildAuditEventQuery(TENANT, {}, { limit: 1, maxSeq: '1; x' })).toThrow(TypeError);
  });
});

describe('audit filter times', () => {
  it.each([
    ['2026-11-27', '2026-11-27T00:00:00.000000Z'],
    ['2026-11-27T11:27Z', '2026-11-27T11:27:00.000000Z'],
    ['2026-11-27T11:27:25Z', '2026-11-27T11:27:25.000000Z'],
    ['2026-11-27T11:27:25.1Z', '2026-11-27T11:27:25.100000Z'],
    ['2026-11-27T11:27:25.123456Z', '2026-11-27T11:27:25.123456Z'],
    ['2026-11-27T12:27:25.123456+01:00', '2026-11-27T11:27:25.123456Z'],
    ['2026-11-27T00:00:00-05:30', '2026-11-27T05:30:00.000000Z'],
    ['0001-01-01', '0001-01-01T00:00:00.000000Z'],
    ['2024-02-29', '2024-02-29T00:00:00.000000Z'],
  ])('reads %s to the microsecond', (input, utc) => {
    expect(auditTimeMicros(input)).toBe(auditTimeMicros(utc));
    expect(isAuditTime(input)).toBe(true);
  });

  it('orders times to the microsecond, across offsets', () => {
    expect(auditTimeMicros('2026-11-27T11:27:25.000001Z')! - auditTimeMicros('2026-11-27T11:27:25Z')!).toBe(1n);
    expect(auditTimeMicros('2026-11-27T12:00:00+01:00')).toBe(auditTimeMicros('2026-11-27T11:00:00Z'));
  });

  it.each([
    '',
    'yesterday',
    '2026-11-27T11:27:25', // no offset: would depend on the session's time zone
    '2026-11-27 11:27:25Z',
    '2026-02-30',
    '2025-02-29',
    '2026-13-01',
    '2026-11-27T24:00:00Z',
    '2026-11-27T11:60:00Z',
    '2026-11-27T11:27:25.1234567Z',
    '2026-11-27T11:27:25+20:00',
    '0000-01-01',
    '+02026-11-27',
    '1764242845',
  ])('refuses %p', (input) => {
    expect(auditTimeMicros(input)).toBeUndefined();
    expect(isAuditTime(input)).toBe(false);
  });

  it('gives a bare date midnight UTC, and leaves a date-time as it is', () => {
    expect(toTimestampLiteral('2026-11-27')).toBe('2026-11-27T00:00:00Z');
    expect(toTimestampLiteral('2026-11-27T11:27:25+01:00')).toBe('2026-11-27T11:27:25+01:00');
  });
});

describe('audit list cursors', () => {
  const position = { occurredAt: '2026-11-27T11:27:25.123456Z', id: ENTRY };

  it('round-trips a position with its microseconds', () => {
    expect(decodeAuditCursor(encodeCursor(auditCursorValues(position)))).toEqual(position);
  });

  it.each([
    ['garbage', '!!!'],
    ['not JSON', Buffer.from('nope').toString('base64url')],
    ['another list’s cursor', encodeCursor(['2026-11-27T11:27:25.123Z', ENTRY])],
    ['a time without microseconds', encodeCursor(['2026-11-27T11:27:25Z', ENTRY])],
    ['an impossible time', encodeCursor(['2026-02-30T11:27:25.123456Z', ENTRY])],
    ['an id that is not a UUID', encodeCursor(['2026-11-27T11:27:25.123456Z', "x' OR 1=1"])],
    ['the wrong arity', encodeCursor(['2026-11-27T11:27:25.123456Z'])],
    ['the wrong types', encodeCursor([1, 2])],
  ])('refuses %s with 400 INVALID_CURSOR', (_label, cursor) => {
    let caught: unknown;
    try {
      decodeAuditCursor(cursor);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(AppError);
    expect(caught).toMatchObject({ status: 400, code: 'INVALID_CURSOR' });
  });
});
