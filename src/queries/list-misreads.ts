/**
 * Reads reviewers marked "Wrong price?", newest first: what the read took, what the page
 * really showed and where (a CSS selector). Ops use it to fix a site's config, and a learned
 * locator can take the selectors as its training signal; site health counts them.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/tables.js';
import { pageOf, type PageRequest } from './page.js';

export interface MisreadListRow {
  id: number;
  caseId: number;
  observationId: number;
  site: string;
  url: string;
  /** What the read took (minor units of `readCurrency`). */
  readMinor: number | null;
  readCurrency: string | null;
  /** The page's raw text the read took its price from: untrusted. */
  rawPriceText: string | null;
  correctMinor: number | null;
  currency: string | null;
  selector: string | null;
  note: string | null;
  by: string;
  role: string;
  at: Date;
}

export async function listMisreads(
  db: Kysely<Database>,
  o: PageRequest & { siteId?: number } = {},
): Promise<MisreadListRow[]> {
  const page = pageOf(o);
  let q = db
    .selectFrom('misreads as m')
    .innerJoin('sites as s', 's.id', 'm.site_id')
    .innerJoin('listings as l', 'l.id', 'm.listing_id')
    .innerJoin('observations as o', 'o.id', 'm.observation_id')
    .select([
      'm.id',
      'm.case_id',
      'm.observation_id',
      's.name as site',
      'l.url',
      'o.amount_minor',
      'o.currency as read_currency',
      'o.raw_price_text',
      'm.correct_minor',
      'm.currency',
      'm.selector',
      'm.note',
      'm.by',
      'm.role',
      'm.at',
    ])
    .orderBy('m.at', 'desc')
    .orderBy('m.id', 'desc')
    .limit(page.limit)
    .offset(page.offset);
  if (o.siteId !== undefined) q = q.where('m.site_id', '=', o.siteId);
  return (await q.execute()).map((r) => ({
    id: r.id,
    caseId: r.case_id,
    observationId: Number(r.observation_id),
    site: r.site,
    url: r.url,
    readMinor: r.amount_minor,
    readCurrency: r.read_currency,
    rawPriceText: r.raw_price_text,
    correctMinor: r.correct_minor,
    currency: r.currency,
    selector: r.selector,
    note: r.note,
    by: r.by,
    role: r.role,
    at: r.at,
  }));
}
