/** A read's verdict: its price compared with the MAP in effect at capture time. */
import type { ProductRules } from '../catalog/load-map-rules.js';
import type { Verdict } from '../compare/compare-to-map.js';
import { compareWithRules } from '../compare/parse-compare-rules.js';
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
  // The product's, site's and policy's rules are parsed once per object for the whole sweep, not per listing.
  const vat = site.config.vat;
  return compareWithRules(
    {
      observed: { amountMinor: draft.amountMinor, currency: draft.currency, capturedAt: draft.capturedAt },
      listingPackSize: listing.packSize,
    },
    {
      product: {
        key: rules,
        rules: {
          productPackSize: rules.packSize,
          mapIncludesVat: rules.mapIncludesVat,
          mapPrices: rules.mapPrices,
          promos: rules.promos,
        },
      },
      site: vat ? { key: vat, rules: { siteVat: vat } } : null,
      policy: { key: policy, rules: { tolerance: policy.tolerance, severityBands: policy.severityBands } },
    },
  );
}
