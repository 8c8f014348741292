/**
 * Grey-market and non-genuine signals on a listing's page. They are findings for a person
 * to weigh, never MAP violations and never a case:
 * - below_dealer_cost: the advertised price is under what the OEM charges its dealers
 *   (`dealer_cost` in the products CSV), same currency only;
 * - brand_mismatch: the page carries the catalog product's GTIN under another brand;
 * - foreign_gtin_prefix: the page sells under the brand's name a GTIN that is not under any
 *   company prefix the brand owns (only when the brand's prefixes are known:
 *   `mapwatch import brand-prefixes`). The catalog's own GTIN is never the reseller's fault,
 *   and a page naming another brand is another product, not a relabelled one;
 * - compatible_wording: "compatible with" / "replacement for" followed by the OEM's part
 *   number (the part the listing claims to fit; the OEM's own "NW-F100 replaces NW-F90" is not).
 */
import type { ProductRules } from '../catalog/load-map-rules.js';
import { compatibilityObjects, compatibilitySentences } from '../extract/compatibility-wording.js';
import { parsedPage } from '../extract/parsed-page.js';
import { gtin14, hasCompanyPrefix } from '../normalize/gtin.js';
import { normalizeMpn, sameBrand } from '../normalize/similarity.js';
import type { ObservationDraft } from '../types.js';

export type GreyMarketSignal =
  | { signal: 'below_dealer_cost'; amount_minor: number; dealer_cost_minor: number; currency: string }
  | { signal: 'brand_mismatch'; page_brand: string; catalog_brand: string; gtin: string }
  | { signal: 'foreign_gtin_prefix'; gtin: string; brand: string }
  | { signal: 'compatible_wording'; phrase: string; part: string };

export interface GreyMarketFinding {
  kind: 'grey_market';
  detail: { signals: GreyMarketSignal[] };
}

export function findGreyMarketSignals(
  draft: ObservationDraft,
  rules: Pick<ProductRules, 'brand' | 'gtin' | 'sku' | 'mpn' | 'dealerCost' | 'gtinPrefixes'>,
  packSize = 1,
): GreyMarketFinding[] {
  const signals: GreyMarketSignal[] = [];
  const cost = rules.dealerCost;
  if (draft.status === 'ok' && cost && draft.currency === cost.currency && draft.amountMinor !== null) {
    const costForPack = cost.minor * packSize;
    if (draft.amountMinor < costForPack)
      signals.push({
        signal: 'below_dealer_cost',
        amount_minor: draft.amountMinor,
        dealer_cost_minor: costForPack,
        currency: cost.currency,
      });
  }
  const pageGtin = gtin14(draft.offer?.gtin);
  const pageBrand = draft.offer?.brand?.trim().slice(0, 120);
  if (pageGtin && pageGtin === gtin14(rules.gtin) && pageBrand && rules.brand && !sameBrand(pageBrand, rules.brand))
    signals.push({ signal: 'brand_mismatch', page_brand: pageBrand, catalog_brand: rules.brand, gtin: pageGtin });
  const prefixes = rules.gtinPrefixes ?? [];
  if (
    pageGtin &&
    pageGtin !== gtin14(rules.gtin) &&
    prefixes.length &&
    rules.brand &&
    pageBrand &&
    sameBrand(pageBrand, rules.brand) &&
    !hasCompanyPrefix(pageGtin, prefixes)
  )
    signals.push({ signal: 'foreign_gtin_prefix', gtin: pageGtin, brand: rules.brand });
  const parts = [rules.mpn, rules.sku]
    .map((p) => normalizeMpn(p))
    .filter((p): p is string => p !== null && p.length >= 4);
  // No part number to look for: the page's text is not walked.
  if (draft.html && parts.length) {
    for (const { sentence, object } of compatibilityObjects(
      compatibilitySentences(draft.html, parsedPage(draft, draft.html)),
    )) {
      const part = parts.find((p) => partPattern(p).test(object));
      if (part) {
        signals.push({ signal: 'compatible_wording', phrase: sentence, part });
        break;
      }
    }
  }
  return signals.length ? [{ kind: 'grey_market', detail: { signals } }] : [];
}

/** The part number as a whole token, separators optional ("NW-F100", "nw f100"; never inside "NW-F1000"). */
function partPattern(normalized: string): RegExp {
  return new RegExp(`(?<![A-Za-z0-9])${[...normalized].join('[\\s./-]?')}(?![A-Za-z0-9])`, 'i');
}
