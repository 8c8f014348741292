/**
 * extractOffers: the offers a product page advertises and the primary one (the page's own
 * product), structured data first. One cheerio.load per call; never throws on page content.
 */
import * as cheerio from 'cheerio';
import type { SiteConfig } from '../config/site-config.schema.js';
import type { ExtractResult, Offer } from '../types.js';
import { toOffer, type Candidate, type PageContext } from './candidate.js';
import { indexDom, textOf } from './dom-index.js';
import { extractJsonLd } from './json-ld.js';
import { extractMeta } from './meta-tags.js';
import { extractMicrodata } from './microdata.js';
import { sameAmount } from './money.js';
import { pickPrimary } from './pick-primary.js';
import { RegionClassifier } from './regions.js';
import { extractSelectors } from './selectors.js';
import { ancestorsOf, extractVisibleText, findTitle, pickTextPrice } from './visible-text.js';

export interface ExtractOptions {
  url: string;
  site?: Partial<SiteConfig>;
}

export function extractOffers(html: string, opts: ExtractOptions): ExtractResult {
  const warnings: string[] = [];
  const siteCurrency = opts.site?.currency?.toUpperCase();
  const locale = opts.site?.locale;
  const $ = cheerio.load(html);
  const idx = indexDom($);
  const titleEl = findTitle($, idx);
  const regions = new RegionClassifier(ancestorsOf(titleEl));
  const ctx: PageContext = {
    url: opts.url,
    title: (titleEl
      ? textOf(titleEl)
      : (idx.meta.find((m) => m.attribs['property'] === 'og:title')?.attribs['content'] ?? '')
    )
      .replace(/\s+/g, ' ')
      .trim(),
  };
  const canonical = idx.canonical ?? idx.meta.find((m) => m.attribs['property'] === 'og:url')?.attribs['content'];
  if (canonical) ctx.canonical = canonical;
  if (siteCurrency) ctx.siteCurrency = siteCurrency;
  if (locale) ctx.locale = locale;

  const bySource = new Map<string, Candidate[]>([
    ['json-ld', extractJsonLd($, idx, warnings)],
    ['microdata', extractMicrodata($, idx, regions, siteCurrency, locale)],
    ['meta', extractMeta($, idx, siteCurrency, locale)],
    ['selector', extractSelectors($, opts.site?.selectors, warnings, siteCurrency, locale)],
  ]);
  const textCands = extractVisibleText($, idx, regions, titleEl, siteCurrency, locale);
  for (const cs of [...bySource.values(), textCands]) {
    for (const c of cs) if (!c.currency && siteCurrency) c.currency = siteCurrency;
  }
  const textPick = pickTextPrice(textCands);

  const pick = pickPrimary(bySource, textPick, ctx, warnings);
  let primary: Offer | null = null;
  if (pick.chosen) {
    if (pick.chosen.currency) primary = toOffer(pick.chosen, pick.chosen.currency);
    else
      warnings.push(
        `${pick.chosen.source}: price ${pick.chosen.amount} has no currency on the page and the site config gives none`,
      );
  }

  const offers: Offer[] = [];
  const add = (c: Candidate): void => {
    if (c.role !== 'price' || c.related || !c.currency) return;
    if (
      offers.some(
        (o) =>
          o.source === c.source &&
          sameAmount(o.amount, c.amount) &&
          o.currency === c.currency &&
          o.sku === (c.sku ?? c.product?.sku) &&
          o.condition === c.condition,
      )
    )
      return;
    offers.push(toOffer(c, c.currency));
  };
  for (const cs of bySource.values()) for (const c of cs) add(c);
  if (textPick.chosen) add(textPick.chosen);
  return { primary, offers, ambiguous: pick.ambiguous, warnings };
}
