/**
 * One site's page: its list row (list-sites.ts), its latest reads, and its config problems
 * (the same checks as `mapwatch sites check`, src/config/check-site-config.ts). For
 * `/sites/:name` and `/api/v1/sites/:name`.
 */
import type { Kysely } from 'kysely';
import { checkSiteConfig } from '../config/check-site-config.js';
import type { Database } from '../db/tables.js';
import { type InputProblem, NotFoundError } from '../errors.js';
import type { HealthThresholds } from '../health/judge-site-health.js';
import type { ObservationStatus } from '../types.js';
import { listSites, type SiteRow } from './list-sites.js';

export interface SiteRead {
  observationId: number;
  capturedAt: Date;
  sku: string;
  url: string;
  status: ObservationStatus;
  /** Why the read has no price (fetch error, bot wall, extraction): may quote the page. */
  reason: string | null;
  amountMinor: number | null;
  currency: string | null;
  /** The price text as the page showed it: untrusted. */
  rawPriceText: string | null;
  source: string | null;
  verdict: string | null;
  httpStatus: number | null;
}

export interface SiteDetail extends SiteRow {
  reads: SiteRead[];
  configProblems: InputProblem[];
  configChangedSinceSync: boolean;
  render: string | null;
}

export async function getSite(
  db: Kysely<Database>,
  name: string,
  o: { reads?: number; thresholds?: HealthThresholds } = {},
): Promise<SiteDetail> {
  const { items } = await listSites(db, { name, limit: 1, ...(o.thresholds ? { thresholds: o.thresholds } : {}) });
  const site = items[0];
  if (!site) throw new NotFoundError(`no site "${name}"`);
  const [reads, check] = await Promise.all([
    db
      .selectFrom('observations as o')
      .innerJoin('listings as l', 'l.id', 'o.listing_id')
      .innerJoin('products as p', 'p.id', 'l.product_id')
      .select([
        'o.id',
        'o.captured_at',
        'p.sku',
        'l.url',
        'o.status',
        'o.reason',
        'o.amount_minor',
        'o.currency',
        'o.raw_price_text',
        'o.extraction_source',
        'o.verdict',
        'o.http_status',
      ])
      // The read's own site (observations_site_recent), not its listing's: one index scan.
      .where('o.site_id', '=', site.id)
      .orderBy('o.captured_at', 'desc')
      .orderBy('o.id', 'desc')
      .limit(o.reads ?? 50)
      .execute(),
    checkSiteConfig(db, { name: site.name, configPath: site.configPath, configHash: site.configHash }),
  ]);
  return {
    ...site,
    render: check.site?.config.render ?? null,
    configProblems: check.problems,
    configChangedSinceSync: check.changedSinceSync,
    reads: reads.map((r) => ({
      observationId: r.id,
      capturedAt: r.captured_at,
      sku: r.sku,
      url: r.url,
      status: r.status,
      reason: r.reason,
      amountMinor: r.amount_minor,
      currency: r.currency,
      rawPriceText: r.raw_price_text,
      source: r.extraction_source,
      verdict: r.verdict,
      httpStatus: r.http_status,
    })),
  };
}
