/** A read's verdict: its price compared with the MAP in effect at capture time. */
import type { ProductRules } from '../catalog/load-map-rules.js';
import { compareToMap, type Verdict } from '../compare/compare-to-map.js';
import type { LoadedSite } from '../config/load-sites.js';
import type { ComparePolicy } from '../config/policy.js';
import type { SyncedListing } from '../config/sync-sites.js';
import type { ObservationDraft } from '../types.js';

/** Null when the read has no price to compare (anything but `ok`). */
export function judge(
  draft: ObservationDraft,
  site: LoadedSite,
  listing: Pick<SyncedListing, 'packSize'>,
  rules: ProductRules,
  policy: ComparePolicy,
): Verdict | null {
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
