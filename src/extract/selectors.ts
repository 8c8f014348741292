/** Offers read through the site's configured CSS selectors (`site.selectors`). */
import type { CheerioAPI } from 'cheerio';
import type { Element } from 'domhandler';
import type { SiteSelectors } from '../config/site-config.schema.js';
import { normalizeAvailability } from './availability.js';
import { textOf } from './dom-index.js';
import type { Candidate } from './candidate.js';
import { selectFirst } from './select-cache.js';
import { normalizeAmount } from './money.js';
import { priceFromText } from './text-price.js';

function read($: CheerioAPI, selector: string | undefined, warnings: string[]): string | undefined {
  if (!selector) return undefined;
  let el: Element | undefined;
  try {
    el = selectFirst($, selector);
  } catch {
    warnings.push(`selector: invalid CSS selector "${selector}"`);
    return undefined;
  }
  if (!el) return undefined;
  const v = el.attribs['content'] ?? textOf(el);
  const t = v.replace(/\s+/g, ' ').trim();
  return t || undefined;
}

export function extractSelectors(
  $: CheerioAPI,
  selectors: SiteSelectors | undefined,
  warnings: string[],
  currencyHint?: string,
  locale?: string,
): Candidate[] {
  if (!selectors?.price) return [];
  const raw = read($, selectors.price, warnings);
  if (raw === undefined) {
    warnings.push(`selector: price selector "${selectors.price}" matched nothing`);
    return [];
  }
  const p = priceFromText(raw, currencyHint, locale);
  const amount = p?.amount ?? normalizeAmount(raw, currencyHint);
  if (!amount) {
    warnings.push(`selector: no price in "${raw.slice(0, 60)}"`);
    return [];
  }
  const c: Candidate = {
    source: 'selector',
    role: 'price',
    amount,
    currency: p?.currencyFromText ? p.currency : null,
    raw,
    ...(p?.unsettledSign ? { unsettledSign: true } : {}),
  };
  const sku = read($, selectors.sku, warnings);
  if (sku) c.sku = sku;
  const availability = normalizeAvailability(read($, selectors.availability, warnings));
  if (availability) c.availability = availability;
  const seller = read($, selectors.seller, warnings);
  if (seller) c.seller = seller;
  return [c];
}
