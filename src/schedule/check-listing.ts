/**
 * The whole check of one listing: read it, compare the price with the MAP in effect at
 * capture time, record the observation and its case effect.
 */
import type { Kysely } from 'kysely';
import { recordObservation, type Recorded } from '../cases/record-observation.js';
import type { ProductRules } from '../catalog/load-map-rules.js';
import { compareToMap, type Verdict } from '../compare/compare-to-map.js';
import type { LoadedSite } from '../config/load-sites.js';
import type { ComparePolicy } from '../config/policy.js';
import type { SyncedListing } from '../config/sync-sites.js';
import type { Database } from '../db/tables.js';
import type { FetchOptions } from '../fetch/fetch-page.js';
import { type Fetcher, type ObservationDraft, readListing } from './read-listing.js';

export interface CheckResult extends Recorded {
  draft: ObservationDraft;
  verdict: Verdict | null;
}

export function judge(draft: ObservationDraft, site: LoadedSite, listing: Pick<SyncedListing, 'packSize'>, rules: ProductRules, policy: ComparePolicy): Verdict | null {
  if (draft.status !== 'ok' || draft.amountMinor === null || draft.currency === null) return null;
  return compareToMap({
    observed: { amountMinor: draft.amountMinor, currency: draft.currency, capturedAt: draft.capturedAt },
    listingPackSize: listing.packSize,
    productPackSize: rules.packSize,
    siteVat: site.config.vat,
    mapIncludesVat: rules.mapIncludesVat,
    mapPrices: rules.mapPrices,
    promos: rules.promos,
    tolerance: policy.tolerance,
    severityBands: policy.severityBands,
  });
}

export async function checkListing(
  db: Kysely<Database>,
  site: LoadedSite,
  listing: SyncedListing,
  rules: ProductRules,
  policy: ComparePolicy,
  fetchOptions: FetchOptions,
  opts: { readKey?: string; fetcher?: Fetcher } = {},
): Promise<CheckResult> {
  const draft = await readListing(site, listing, { gtin: rules.gtin }, fetchOptions, opts.fetcher);
  const verdict = judge(draft, site, listing, rules, policy);
  const recorded = await recordObservation(db, listing.id, draft, verdict, policy, opts.readKey);
  return { ...recorded, draft, verdict };
}
