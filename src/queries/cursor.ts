/**
 * Cursor pagination for lists the API and the app page through: the cursor is the last
 * row's sort key, opaque to clients (base64url JSON), so a page is a `where (key) < (cursor)
 * ... limit n` in SQL — fast at any depth, and stable while new rows arrive (offsets skip or
 * repeat rows when the list changes between pages).
 */
import { InvalidInputError } from '../errors.js';

export interface CursorPage<T> {
  items: T[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

export function encodeCursor(key: readonly (string | number | null)[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** The sort key in a cursor; a tampered or foreign cursor is a 400, not a 500. */
export function decodeCursor(cursor: string, arity: number): (string | number | null)[] {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(v) &&
      v.length === arity &&
      v.every((x) => x === null || typeof x === 'string' || typeof x === 'number')
    )
      return v as (string | number | null)[];
  } catch {
    // fall through
  }
  throw new InvalidInputError('cursor: not a cursor this list gave out; start again without one');
}

/** Fetch limit+1 rows, give back `limit` and a cursor made from the last one shown. */
export function toCursorPage<T>(
  rows: T[],
  limit: number,
  keyOf: (row: T) => (string | number | null)[],
): CursorPage<T> {
  const items = rows.slice(0, limit);
  return {
    items,
    nextCursor: rows.length > limit && items.length ? encodeCursor(keyOf(items[items.length - 1]!)) : null,
  };
}
