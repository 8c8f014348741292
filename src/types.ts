/**
 * Shared types of the mapwatch data flow.
 *
 * Glossary
 * - listing:     one product page on one reseller site (site + SKU + URL). What gets crawled.
 * - offer:       a price a page advertises, as extracted (amount, currency, where it came from).
 *                A page can carry many offers; the primary offer is the one for the page's own product.
 * - observation: one read of a listing at one time: the primary offer (or why there is none),
 *                stored whether or not it is trustworthy. Never edited afterwards.
 * - verdict:     an observation compared with the MAP in effect at capture time.
 * - case:        a violation under review for one listing; at most one open case per listing.
 *                Observations of that listing append case events until it is resolved or dismissed.
 * - evidence:    the files (HTML, screenshots, manifest) that prove what an observation saw,
 *                hashed so a later edit is detectable.
 */

/** Where an offer was read from, most trustworthy first. */
export type OfferSource = 'json-ld' | 'microdata' | 'meta' | 'selector' | 'text';

export type Availability =
  'in_stock' | 'out_of_stock' | 'preorder' | 'backorder' | 'discontinued' | 'limited' | 'unknown';

export interface Offer {
  /** Decimal string in major units, e.g. "1299.00" or "1299". */
  amount: string;
  /** ISO 4217 code. */
  currency: string;
  availability?: Availability;
  sku?: string;
  gtin?: string;
  mpn?: string;
  brand?: string;
  /** Product name as the page states it; untrusted page text. */
  name?: string;
  seller?: string;
  /** The marketplace's id for the seller (schema.org seller identifier, a storefront path), when the page gives it. */
  sellerId?: string;
  /** The seller's storefront page on the marketplace (absolute URL), when the page links it. */
  sellerUrl?: string;
  /** Offer condition when the page states it (used/refurbished offers are never primary). */
  condition?: 'new' | 'used' | 'refurbished' | 'damaged';
  /** The literal text the amount was parsed from, kept for evidence. */
  raw?: string;
  source: OfferSource;
}

export interface ExtractResult {
  primary: Offer | null;
  offers: Offer[];
  ambiguous: boolean;
  warnings: string[];
  /** The page's currency and which evidence decided it (site config, structured data, locale…). */
  currency?: {
    currency: string;
    evidence: 'site-config' | 'structured-data' | 'locale' | 'domain' | 'embedded-json' | 'default';
    detail: string;
  };
}

export interface ParsedPrice {
  amount: string | null;
  currency: string | null;
}

/** Outcome of one read. Only `ok` carries a price that may open or resolve a case. */
export type ObservationStatus = 'ok' | 'no_price' | 'ambiguous' | 'blocked' | 'error';

/** One read of a listing, before it is written: the offer found, or why there is none. */
export interface ObservationDraft {
  capturedAt: Date;
  status: ObservationStatus;
  reason: string | null;
  offer: Offer | null;
  amountMinor: number | null;
  currency: string | null;
  httpStatus: number | null;
  finalUrl: string | null;
  contentSha256: string | null;
  retryable: boolean;
  /** The fetched page, kept in memory only for evidence capture by later stages. */
  html?: string;
  /** Every offer the page carries (other sellers on a marketplace listing), not only the primary. */
  offers?: Offer[];
}
