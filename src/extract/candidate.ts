/** Internal model shared by the extractors: an offer plus what is needed to judge it. */
import type { Availability, Offer, OfferSource } from '../types.js';

/**
 * - price: a selling price
 * - list: strike-through / was / list / RRP price (never primary)
 * - range: a low..high range (AggregateOffer with lowPrice != highPrice)
 * - unit / installment / shipping: amounts that are not the product's price
 * - saving: an amount saved ("You save $5.60"): never a price; it ties a former price to the current one
 */
export type CandidateRole = 'price' | 'list' | 'range' | 'unit' | 'installment' | 'shipping' | 'saving';

export interface ProductInfo {
  name?: string;
  sku?: string;
  gtin?: string;
  mpn?: string;
  brand?: string;
  url?: string;
}

export interface Candidate {
  source: OfferSource;
  role: CandidateRole;
  amount: string;
  /** Upper end of a range. */
  high?: string;
  /** ISO code from the page, or null if the page gave none (filled from site config later). */
  currency: string | null;
  availability?: Availability;
  condition?: Offer['condition'];
  seller?: string;
  sellerId?: string;
  sellerUrl?: string;
  sku?: string;
  gtin?: string;
  mpn?: string;
  raw?: string;
  /** Product the offer belongs to, when known. */
  product?: ProductInfo;
  /** Identity of the product node within its source (same key = same product). */
  productKey?: string;
  /** Belongs to a related / recommended / accessory product, not the page's own. */
  related?: boolean;
  /** Visible-text fallback: how strongly the markup marks this as the buy-box price. */
  score?: number;
  /** Marked as the page's main entity (JSON-LD mainEntity). */
  main?: boolean;
  /** Its text has a currency sign the site/page currency cannot be ("$" on a EUR page): never filled in. */
  unsettledSign?: boolean;
}

/** Page-level facts used to match the page's own product. */
export interface PageContext {
  url: string;
  canonical?: string;
  title?: string;
  siteCurrency?: string;
  locale?: string;
}

export function toOffer(c: Candidate, currency: string): Offer {
  const p = c.product ?? {};
  const o: Offer = { amount: c.amount, currency, source: c.source };
  if (c.availability) o.availability = c.availability;
  const sku = c.sku ?? p.sku;
  if (sku) o.sku = sku;
  const gtin = c.gtin ?? p.gtin;
  if (gtin) o.gtin = gtin;
  const mpn = c.mpn ?? p.mpn;
  if (mpn) o.mpn = mpn;
  if (p.brand) o.brand = p.brand;
  if (p.name) o.name = p.name;
  if (c.seller) o.seller = c.seller;
  if (c.sellerId) o.sellerId = c.sellerId;
  if (c.sellerUrl) o.sellerUrl = c.sellerUrl;
  if (c.condition) o.condition = c.condition;
  if (c.raw) o.raw = c.raw;
  return o;
}
