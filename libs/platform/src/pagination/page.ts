import { ApiProperty } from '@nestjs/swagger';
import { AppError, PlatformErrorCode } from '../errors/app-error';

/** Where the next page starts. */
export class PageInfo {
  /** Pass as `cursor` to get the next page; null on the last page. */
  @ApiProperty({
    type: String,
    nullable: true,
    example: 'WyIyMDI2LTExLTIzVDEyOjAwOjAwLjAwMFoiLCJhYmMiXQ',
  })
  nextCursor!: string | null;

  /** The page size that was applied. */
  @ApiProperty({ type: 'integer', example: 20 })
  limit!: number;
}

/** The one response shape of every list: `{ data, page: { nextCursor, limit } }`. */
export interface Page<T> {
  data: T[];
  page: PageInfo;
}

/** Cursor values: the sort key of the last row of a page (e.g. `[createdAt, id]`). */
export type CursorValues = (string | number | boolean | null)[];

export function encodeCursor(values: CursorValues): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

const invalidCursor = () =>
  new AppError(PlatformErrorCode.InvalidCursor, 400, 'Invalid cursor', {
    detail: 'The cursor was not issued by this list. Start again without a cursor.',
    errors: [{ field: 'cursor', message: 'is not a cursor issued by this list' }],
  });

/**
 * Decodes a cursor and checks it has the shape the list expects (`isValid`); anything else is a
 * 400 INVALID_CURSOR, never a server error.
 */
export function decodeCursor<T extends CursorValues>(
  cursor: string,
  isValid: (values: CursorValues) => values is T,
): T {
  let values: unknown;
  try {
    values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  if (!Array.isArray(values) || !isValid(values as CursorValues)) throw invalidCursor();
  return values as T;
}

/**
 * Builds a page from rows fetched with `take: limit + 1`: the extra row only tells whether another
 * page exists; the cursor is the sort key of the last row returned.
 */
export function toPage<Row, Item>(
  rows: Row[],
  limit: number,
  cursorOf: (row: Row) => CursorValues,
  map: (row: Row) => Item,
): Page<Item> {
  const pageRows = rows.slice(0, limit);
  const last = pageRows.at(-1);
  return {
    data: pageRows.map(map),
    page: {
      nextCursor: rows.length > limit && last ? encodeCursor(cursorOf(last)) : null,
      limit,
    },
  };
}
