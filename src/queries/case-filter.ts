/**
 * The case list's filters, sort and paging as one zod schema: the Cases page reads it from
 * its GET form (every filter stays in the URL), the API from its query string, and the
 * read model (list-cases.ts) takes the parsed result. An empty form field means "any".
 */
import { z } from 'zod';

export const CASE_STATUSES = ['open', 'notified', 'resolved', 'dismissed'] as const;
export const CASE_SORTS = ['last_seen', 'first_seen', 'percent_below', 'severity'] as const;
export type CaseSort = (typeof CASE_SORTS)[number];

const blankToUndefined = (v: unknown) => (v === '' || v === null ? undefined : v);
const text = (max = 200) => z.preprocess(blankToUndefined, z.string().trim().min(1).max(max).optional());
/** `a,b` or a repeated parameter (`?status=a&status=b`), as a list. */
const list = <T extends z.ZodType<string>>(item: T) =>
  z.preprocess((v) => {
    const all = (Array.isArray(v) ? v : [v])
      .flatMap((x) => (typeof x === 'string' ? x.split(',') : []))
      .map((x) => x.trim())
      .filter(Boolean);
    return all.length ? all : undefined;
  }, z.array(item).max(20).optional());
const whole = (min: number, max: number) =>
  z.preprocess(
    (v) => (v === '' || v === null ? undefined : typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v),
    z
      .number({ error: 'must be a whole number' })
      .int('must be a whole number')
      .min(min, `must be at least ${min}`)
      .max(max, `must be at most ${max}`)
      .optional(),
  );

export const caseFilterSchema = z.object({
  status: list(z.enum(CASE_STATUSES)),
  severity: list(z.string().max(50)),
  /** Exact names (any case): reseller, site, brand, SKU, tier, region. */
  reseller: text(),
  site: text(),
  brand: text(),
  sku: text(),
  tier: text(),
  region: text(),
  /** Part of the marketplace seller's name as the page states it. */
  seller: text(),
  /** An email, or `none` for unassigned cases. */
  assignee: text(),
  /** Words in the product name, SKU or reseller name. */
  q: text(),
  /** Only cases first seen more than this many days ago. */
  older_than_days: whole(0, 36500),
  sort: z.preprocess(blankToUndefined, z.enum(CASE_SORTS).default('last_seen')),
  /** Default: newest, worst or most below first (desc); `asc` reverses. */
  dir: z.preprocess(blankToUndefined, z.enum(['asc', 'desc']).default('desc')),
});
export type CaseFilter = z.output<typeof caseFilterSchema>;

/** The filter as URL query parameters (for links: sort, paging, CSV download). Defaults are left out. */
export function caseFilterParams(f: Partial<CaseFilter>): URLSearchParams {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(f)) {
    if (v === undefined || v === null) continue;
    if (k === 'sort' && v === 'last_seen') continue;
    if (k === 'dir' && v === 'desc') continue;
    p.set(k, Array.isArray(v) ? v.join(',') : String(v));
  }
  return p;
}
