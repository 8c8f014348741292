/**
 * "Test on a URL or saved page" (the review app's site page, `POST /api/v1/sites/:name/test`):
 * reads one page with a site's config exactly as a check would, and says what was extracted,
 * which offer was chosen, and why. Nothing is written.
 *
 * - A URL is read through the check's own read (readForCheck: the guarded fetch, or the
 *   browser for `render: browser` sites, with the site's headers and User-Agent). The URL
 *   must be on the site's domain: the site's headers may carry credentials meant for it.
 * - A saved page (uploaded or pasted HTML) is extracted as if served from `url` (default: the
 *   site's home page), so relative links and the domain's currency settle as they would live.
 */
import type { LoadedSite } from '../config/load-sites.js';
import { processConfig } from '../config/process-config.js';
import { InvalidInputError } from '../errors.js';
import { extractOffers } from '../extract/extract-offers.js';
import { findEvasionPhrases } from '../fetch/browser/evasion.js';
import { visibleText } from '../fetch/bot-wall.js';
import type { ExtractResult, ObservationStatus, Offer } from '../types.js';
import type { CheckContext } from './check-context.js';
import { readForCheck } from './read-for-check.js';

export interface SitePageTest {
  input: 'url' | 'html';
  url: string;
  status: ObservationStatus;
  /** Why the read has no price, or the fetch's failure (may quote the page: untrusted). */
  reason: string | null;
  httpStatus: number | null;
  primary: Offer | null;
  offers: Offer[];
  ambiguous: boolean;
  /** The extractor's own notes: which candidates it dropped or why they disagree (untrusted text inside). */
  warnings: string[];
  currency: ExtractResult['currency'] | null;
  /** Why this offer was chosen, in plain words. */
  why: string[];
  /** MAP-evasion phrases the page shows ("see price in cart"). */
  evasionPhrases: string[];
}

const SOURCE_WORDS: Record<string, string> = {
  'json-ld': 'structured data (JSON-LD), which outranks everything else on the page',
  microdata: 'structured data (microdata), which outranks meta tags, selectors and visible text',
  meta: 'meta tags (e.g. og:price), which outrank configured selectors and visible text',
  selector: "the site config's selectors, which outrank the visible-text model",
  text: 'the visible-text model (no structured data, meta tag or selector gave a usable price)',
};

const CURRENCY_WORDS: Record<NonNullable<ExtractResult['currency']>['evidence'], string> = {
  'site-config': 'the site config',
  'structured-data': "the page's structured data",
  locale: "the page's language",
  domain: "the site's domain",
  'embedded-json': "the page's embedded state",
  default: 'MAPWATCH_DEFAULT_CURRENCY',
};

function onDomain(url: string, domain: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new InvalidInputError(`url: "${url.slice(0, 200)}" is not an absolute http(s) URL`);
  }
  // As the config's own listings are checked (site-config.schema.ts): host with its port.
  const host = u.host.toLowerCase();
  const d = domain.toLowerCase();
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || (host !== d && !host.endsWith('.' + d)))
    throw new InvalidInputError(`url: must be an http(s) page on the site's domain ${domain}, got ${u.host}`);
  return u;
}

export function explainExtraction(result: ExtractResult): { status: ObservationStatus; why: string[] } {
  const why: string[] = [];
  const p = result.primary;
  if (result.ambiguous) {
    why.push('No price was taken: candidates disagree and nothing on the page settles which is the product’s.');
    return { status: 'ambiguous', why };
  }
  if (!p) {
    why.push(
      result.offers.length
        ? 'No offer qualifies as the page’s own product’s selling price.'
        : 'No price was found on the page.',
    );
    return { status: 'no_price', why };
  }
  why.push(`Chosen from ${SOURCE_WORDS[p.source] ?? p.source}.`);
  const others = result.offers.filter((o) => o !== p && !(o.amount === p.amount && o.currency === p.currency));
  const agreeing = result.offers.filter((o) => o.source !== p.source && o.amount === p.amount);
  if (agreeing.length) why.push(`Confirmed by ${[...new Set(agreeing.map((o) => o.source))].join(', ')}.`);
  if (others.length)
    why.push(`${others.length} other candidate(s) with a different amount were not the page’s own selling price.`);
  if (result.currency)
    why.push(
      `Currency ${result.currency.currency} from ${CURRENCY_WORDS[result.currency.evidence]} (${result.currency.detail}).`,
    );
  return { status: 'ok', why };
}

export async function testSitePage(
  ctx: Pick<CheckContext, 'fetchOptions' | 'fetcher' | 'browser'>,
  o: { site: LoadedSite; url?: string; html?: string },
): Promise<SitePageTest> {
  const cfg = o.site.config;
  const defaultCurrency = processConfig().MAPWATCH_DEFAULT_CURRENCY;
  let html: string | undefined;
  let url: string;
  let base: Pick<SitePageTest, 'status' | 'reason' | 'httpStatus'> = { status: 'ok', reason: null, httpStatus: null };
  if (o.html !== undefined) {
    url = o.url ? onDomain(o.url, cfg.domain).href : `https://${cfg.domain}/`;
    html = o.html;
  } else if (o.url) {
    url = onDomain(o.url, cfg.domain).href;
    const read = await readForCheck(ctx, { site: o.site, listing: { url }, gtin: null, capture: false });
    html = read.draft.html;
    url = read.draft.finalUrl ?? url;
    base = { status: read.draft.status, reason: read.draft.reason, httpStatus: read.draft.httpStatus };
    if (html === undefined)
      return {
        input: 'url',
        url,
        ...base,
        primary: null,
        offers: [],
        ambiguous: false,
        warnings: [],
        currency: null,
        why: ['The page was not read, so nothing was extracted.'],
        evasionPhrases: [],
      };
  } else throw new InvalidInputError('give a url, or the html of a saved page');

  // The report lists every source that agrees, the visible text included.
  const result = extractOffers(html, {
    url,
    site: cfg,
    alwaysReadText: true,
    ...(defaultCurrency ? { defaultCurrency } : {}),
  });
  const explained = explainExtraction(result);
  return {
    input: o.html !== undefined ? 'html' : 'url',
    url,
    // A live read keeps its own verdict (e.g. a GTIN mismatch); a saved page is judged here.
    status: o.html !== undefined ? explained.status : base.status,
    reason:
      o.html !== undefined ? (explained.status === 'ok' ? null : result.warnings.join('; ') || null) : base.reason,
    httpStatus: base.httpStatus,
    primary: result.primary,
    offers: result.offers,
    ambiguous: result.ambiguous,
    warnings: result.warnings,
    currency: result.currency ?? null,
    why: explained.why,
    evasionPhrases: findEvasionPhrases(visibleText(html), cfg.evasion_phrases),
  };
}
