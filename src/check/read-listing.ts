/**
 * One read of one listing: fetch the page, extract the primary offer, and turn the
 * outcome into an observation draft. Nothing is written here. Every failure becomes
 * a status with a reason; a blocked or broken page is never parsed for a price.
 */
import { createHash } from 'node:crypto';
import type { LoadedSite, SiteListing } from '../config/load-sites.js';
import { processConfig } from '../config/process-config.js';
import { extractOffers } from '../extract/extract-offers.js';
import { parseHtml } from '../extract/parse-html.js';
import { keepParsed } from '../extract/parsed-page.js';
import { type FetchOptions, fetchPage } from '../fetch/fetch-page.js';
import type { Fetcher } from './check-context.js';
import { toMinorUnits } from '../normalize/currency.js';
import type { ExtractResult, ObservationDraft } from '../types.js';

export type { ObservationDraft };

export interface ProductIdentity {
  gtin: string | null;
}

/** GTIN-8/12/13/14 compare equal once left-padded to 14 digits. */
function gtin14(g: string): string {
  return g.replace(/\D/g, '').padStart(14, '0');
}

/**
 * Lays HTML out in a browser and returns it annotated with layout facts
 * (src/fetch/browser/layout-static-html.ts), for the layout read of an abstained page.
 */
export type LayoutReader = (html: string) => Promise<string>;

export interface ReadListingExtras {
  /** Given only when the site allows the cost (`browser.layout_fallback`) and a browser exists. */
  layout?: LayoutReader;
}

function extractOptionsFor(cfg: LoadedSite['config'], finalUrl: string) {
  const defaultCurrency = processConfig().MAPWATCH_DEFAULT_CURRENCY;
  return { url: finalUrl, site: cfg, ...(defaultCurrency ? { defaultCurrency } : {}) };
}

/** The markup alone names no price, or disagrees: the read that a layout read may settle. */
const abstains = (r: ExtractResult) => r.ambiguous || !r.primary;

/**
 * Whether readListing would ask for the layout read of this page (its markup alone abstains),
 * so a browser read can skip annotating the pages that settle without it. Same extraction,
 * same rule as readListing.
 */
export function markupAbstains(html: string, finalUrl: string, cfg: LoadedSite['config']): boolean {
  return abstains(extractOffers(html, extractOptionsFor(cfg, finalUrl)));
}

export async function readListing(
  site: LoadedSite,
  listing: Pick<SiteListing, 'url'>,
  product: ProductIdentity,
  fetchOptions: FetchOptions,
  fetcher: Fetcher = fetchPage,
  extras: ReadListingExtras = {},
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
  const withBody: ObservationDraft = {
    ...base,
    retryable: false,
    html,
    // fetchPage hashed the page already, from its bytes when it could (FetchResult.bodySha256).
    contentSha256: res.bodySha256 ?? createHash('sha256').update(html).digest('hex'),
  };
  const extractOpts = extractOptionsFor(cfg, res.finalUrl);
  const $ = parseHtml(html);
  let result = extractOffers($, extractOpts);
  if (extras.layout && abstains(result)) {
    // The static read abstained: the same HTML laid out may settle it. Only a settled read
    // replaces it; the stored HTML stays the page as fetched.
    const laid = await extras.layout(html).catch(() => null);
    const again = laid === null ? null : extractOffers(laid, extractOpts);
    if (again?.primary && !again.ambiguous) result = again;
    else if (laid === null) result.warnings.push('layout fallback: the browser could not lay the page out');
  }
  withBody.offers = result.offers;
  const draft = draftOf(withBody, result, product);
  // The locator cross-check and learning read this same page: they get this parse (parsed-page.ts).
  if (draft.status === 'ok') keepParsed(draft, html, $);
  return draft;
}

/** The observation draft an extraction result gives for the product. */
function draftOf(withBody: ObservationDraft, result: ExtractResult, product: ProductIdentity): ObservationDraft {
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
