/**
 * Query-string pieces every list route shares: page size and cursor (src/queries/cursor.ts),
 * flags as `true`/`false`, and a walk through every page for the streamed CSV, so a CSV is
 * the same rows as the JSON list, filter for filter.
 */
import { z } from 'zod';
import type { CursorPage } from '../../queries/cursor.js';

export const MAX_API_PAGE = 500;

export const pagingQuery = {
  limit: z.coerce.number().int().min(1).max(MAX_API_PAGE).default(50).describe('rows per page'),
  cursor: z.string().max(1000).optional().describe('`nextCursor` of the previous page'),
};

/** `true` or `false` in a query string (z.coerce.boolean would read "false" as true). */
export const flag = z
  .enum(['true', 'false'])
  .transform((v) => v === 'true')
  .optional();

/** Rows of every page, a page at a time, for sendCsv. */
export async function* allPages<T>(
  fetchPage: (cursor: string | undefined) => Promise<CursorPage<T>>,
): AsyncGenerator<T[]> {
  let cursor: string | undefined;
  do {
    const page = await fetchPage(cursor);
    yield page.items;
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
}

/** The JSON shape of a page of `item`, for the OpenAPI document. */
export function pageOfSchema<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}

export const isoDate = z.iso.datetime();
