/**
 * One read of one listing: fetch the page, extract the primary offer, and turn the
 * outcome into an observation draft. Nothing is written here. Every failure becomes
 * a status with a reason; a blocked or broken page is never parsed for a price.
 */
import { createHash } from 'node:crypto';
import type { LoadedSite, SiteListing } from '../config/load-sites.js';
import { extractOffers } from '../extract/extract-offers.js';
import { type FetchOptions, fetchPage } from '../fetch/fetch-page.js';
import type { Fetcher } from './check-context.js';
import { toMinorUnits } from '../normalize/currency.js';
import type { ObservationDraft } from '../types.js';

export type { ObservationDraft };

export interface ProductIdentity {
  gtin: string | null;
}

/** GTIN-8/12/13/14 compare equal once left-padded to 14 digits. */
function gtin14(g: string): string {
  return g.replace(/\D/g, '').padStart(14, '0');
}

export async function readListing(
  site: LoadedSite,
  listing: Pick<SiteListing, 'url'>,
  product: ProductIdentity,
  fetchOptions: FetchOptions,
  fetcher: Fetcher = fetchPage,
): Promise<ObservationDraft> {
  const cfg = site.config;
  const res = await fetcher(listing.url, {
    ...fetchOptions,
    headers: { ...cfg.headers, ...fetchOptions.headers },
    userAgent: cfg.user_agent ?? fetchOptions.userAgent,
    respectRobots: cfg.respect_robots,
  });
  const base: ObservationDraft = {
    capturedAt: res.fetchedAt,
    status: 'error',
    reason: null,
    offer: null,
    amountMinor: null,
    currency: null,
    httpStatus: res.httpStatus ?? null,
    finalUrl: res.finalUrl ?? null,
    contentSha256: null,
    retryable: res.retryable,
  };
  if (res.status !== 'ok' || res.body === undefined) {
    return { ...base, status: res.status === 'blocked' ? 'blocked' : 'error', reason: res.reason ?? 'fetch failed' };
  }
  const html = res.body;
  const withBody = { ...base, retryable: false, html, contentSha256: createHash('sha256').update(html).digest('hex') };
  const result = extractOffers(html, { url: res.finalUrl, site: cfg });
  withBody.offers = result.offers;
  if (result.ambiguous) {
    return { ...withBody, status: 'ambiguous', reason: result.warnings.join('; ') || 'candidates disagree' };
  }
  const offer = result.primary;
  if (!offer)
    return { ...withBody, status: 'no_price', reason: result.warnings.join('; ') || 'no price found on the page' };
  if (product.gtin && offer.gtin && gtin14(product.gtin) !== gtin14(offer.gtin)) {
    // The page sells something else (wrong URL, or the listing was re-used): never compare it.
    return {
      ...withBody,
      offer,
      status: 'ambiguous',
      reason: `page GTIN ${offer.gtin} is not the product's GTIN ${product.gtin}`,
    };
  }
  let amountMinor: number;
  try {
    amountMinor = toMinorUnits(offer.amount, offer.currency);
  } catch (err) {
    return { ...withBody, offer, status: 'error', reason: `unusable amount: ${(err as Error).message}` };
  }
  if (amountMinor <= 0)
    return { ...withBody, offer, status: 'no_price', reason: `page shows a price of ${offer.amount}` };
  return { ...withBody, offer, status: 'ok', amountMinor, currency: offer.currency };
}
