/**
 * Pagination for every read-side query: the CLI today, the review app and the API next.
 * Offset-based, newest first, with a hard cap so no caller can ask for an unbounded list.
 */
import { InvalidInputError } from '../errors.js';

export interface PageRequest {
  /** Rows per page (default 100, at most 1000). */
  limit?: number;
  /** Rows to skip (default 0). */
  offset?: number;
}

export const MAX_PAGE = 1000;

export function pageOf(p: PageRequest = {}, defaultLimit = 100): { limit: number; offset: number } {
  const limit = p.limit ?? defaultLimit;
  const offset = p.offset ?? 0;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE)
    throw new InvalidInputError(`page size must be a whole number from 1 to ${MAX_PAGE}, got ${limit}`);
  if (!Number.isInteger(offset) || offset < 0)
    throw new InvalidInputError(`page offset must be a whole number ≥ 0, got ${offset}`);
  return { limit, offset };
}
