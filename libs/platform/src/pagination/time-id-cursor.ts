import { decodeCursor, type CursorValues } from './page';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/**
 * What `toISOString` writes for years 0000–9999. JavaScript dates reach ±275,760 years (as
 * `+275760-…` or `-271821-…`), which PostgreSQL's timestamptz refuses: a crafted cursor with such a
 * date would otherwise reach the database and fail there.
 */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;

/** Where a list ordered by (createdAt, id) stopped: the last row of the previous page. */
export interface TimeIdPosition {
  createdAt: Date;
  id: string;
}

type TimeIdCursor = [string, string];
const isTimeIdCursor = (v: CursorValues): v is TimeIdCursor =>
  v.length === 2 &&
  typeof v[0] === 'string' &&
  ISO_INSTANT.test(v[0]) &&
  !Number.isNaN(Date.parse(v[0])) &&
  typeof v[1] === 'string' &&
  UUID.test(v[1]);

/**
 * The most common keyset: rows ordered by (created_at, id) with a UUID id. `cursorOf` makes the
 * cursor of a row for `toPage`; `decode` reads one back (400 INVALID_CURSOR when it is not one);
 * `after` is the Prisma `where` fragment for the rows past it, newest-first (`desc`) or oldest-first.
 */
export const TimeIdCursor = {
  cursorOf(row: TimeIdPosition): CursorValues {
    return [row.createdAt.toISOString(), row.id];
  },

  decode(cursor: string | undefined): TimeIdPosition | undefined {
    if (!cursor) return undefined;
    const [createdAt, id] = decodeCursor(cursor, isTimeIdCursor);
    return { createdAt: new Date(createdAt), id };
  },

  after(position: TimeIdPosition | undefined, order: 'asc' | 'desc') {
    if (!position) return {};
    const past = order === 'desc' ? 'lt' : 'gt';
    return {
      OR: [
        { createdAt: { [past]: position.createdAt } },
        { createdAt: position.createdAt, id: { [past]: position.id } },
      ],
    };
  },
};
