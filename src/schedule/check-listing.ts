/**
 * The whole check of one listing: read it, compare the price with the MAP in effect at
 * capture time, record the observation and its case effect.
 */
import { recordObservation, type Recorded } from '../cases/record-observation.js';
import type { ProductRules } from '../catalog/load-map-rules.js';
import { compareToMap, type Verdict } from '../compare/compare-to-map.js';
import type { LoadedSite } from '../config/load-sites.js';
import type { ComparePolicy } from '../config/policy.js';
import type { SyncedListing } from '../config/sync-sites.js';
import type { PipelineContext } from './pipeline-context.js';
import { type ObservationDraft, readListing } from './read-listing.js';

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
  ctx: PipelineContext,
  site: LoadedSite,
  listing: SyncedListing & { siteId: number },
  rules: ProductRules,
  opts: { readKey?: string } = {},
): Promise<CheckResult> {
  const draft = await readListing(site, listing, { gtin: rules.gtin }, ctx.fetchOptions, ctx.fetcher);
  const verdict = judge(draft, site, listing, rules, ctx.policy);
  const suppressed = verdict?.kind === 'violation' && ctx.isSuppressed ? await ctx.isSuppressed(listing.siteId) : false;
  const recorded = await recordObservation(ctx.db, { listingId: listing.id, siteId: listing.siteId }, draft, verdict, ctx.policy, {
    readKey: opts.readKey,
    suppressed,
    onCaseChange: ctx.onCaseChange,
  });
  return { ...recorded, draft, verdict };
}
