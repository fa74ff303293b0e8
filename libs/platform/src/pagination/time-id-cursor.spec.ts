import { encodeCursor } from './page';
import { TimeIdCursor } from './time-id-cursor';

describe('TimeIdCursor', () => {
  const row = { createdAt: new Date('2026-11-27T10:00:00.000Z'), id: '0b7c4a5e-6f1d-4e2a-9c3b-1a2b3c4d5e6f' };

  it('round-trips the position of a row', () => {
    expect(TimeIdCursor.decode(encodeCursor(TimeIdCursor.cursorOf(row)))).toEqual(row);
    expect(TimeIdCursor.decode(undefined)).toBeUndefined();
  });

  it('refuses cursors of another shape with 400 INVALID_CURSOR', () => {
    for (const values of [['2026-11-27', 'not-a-uuid'], ['yesterday', row.id], [row.id]]) {
      expect(() => TimeIdCursor.decode(encodeCursor(values))).toThrow(
        expect.objectContaining({ status: 400, code: 'INVALID_CURSOR' }),
      );
    }
  });

  it('refuses instants PostgreSQL cannot hold (years past 9999 or before 0), which Date accepts', () => {
    for (const instant of ['-271821-04-20T00:00:00.000Z', '+275760-09-13T00:00:00.000Z', '2026-11-27T10:00:00+01:00']) {
      expect(() => TimeIdCursor.decode(encodeCursor([instant, row.id]))).toThrow(
        expect.objectContaining({ status: 400, code: 'INVALID_CURSOR' }),
      );
    }
  });

  it('selects the rows past the position in either order', () => {
    expect(TimeIdCursor.after(row, 'desc')).toEqual({
      OR: [{ createdAt: { lt: row.createdAt } }, { createdAt: row.createdAt, id: { lt: row.id } }],
    });
    expect(TimeIdCursor.after(row, 'asc')).toEqual({
      OR: [{ createdAt: { gt: row.createdAt } }, { createdAt: row.createdAt, id: { gt: row.id } }],
    });
    expect(TimeIdCursor.after(undefined, 'asc')).toEqual({});
  });
});
