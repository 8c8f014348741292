/**
 * The page's currency, from the strongest evidence available, recording which evidence decided.
 * It settles symbols that name several currencies (`$`, `kr`, `¥`, `Rs`) and amounts with no sign.
 *
 * Order (issue 11): the site config; ISO codes in the page's structured data (JSON-LD, microdata,
 * product meta tags) when they name exactly one currency; the region of `<html lang>` or
 * `og:locale` ("en-CA" → CAD), or a language spoken in one currency area only ("sv" → SEK); the
 * country domain (".com.au" → AUD); a currency code that dominates the page's embedded JSON
 * (`"currency":"USD"` in a state blob); then a configured market default
 * (MAPWATCH_DEFAULT_CURRENCY). Nothing else: no silent guess.
 */
import type { CheerioAPI } from 'cheerio';
import { isCurrencyCode } from '../normalize/currency.js';
import { textOf, type DomIndex } from './dom-index.js';
import { normalizeCurrency } from './money.js';

export type CurrencyEvidence = 'site-config' | 'structured-data' | 'locale' | 'domain' | 'embedded-json' | 'default';

export interface PageCurrency {
  currency: string;
  evidence: CurrencyEvidence;
  /** What was seen, for the warnings and evidence ("<html lang=en-CA>", ".com.au"). */
  detail: string;
}

/** ISO 3166-1 alpha-2 region → the currency its shops price in. */
// prettier-ignore
const REGION: Record<string, string> = {
  US: 'USD', CA: 'CAD', MX: 'MXN', BR: 'BRL', AR: 'ARS', CL: 'CLP', CO: 'COP', PE: 'PEN', UY: 'UYU',
  PY: 'PYG', BO: 'BOB', VE: 'VES', EC: 'USD', SV: 'USD', PA: 'PAB', CR: 'CRC', GT: 'GTQ', HN: 'HNL',
  NI: 'NIO', DO: 'DOP', JM: 'JMD', TT: 'TTD', PR: 'USD', GB: 'GBP', UK: 'GBP', IE: 'EUR', FR: 'EUR',
  DE: 'EUR', AT: 'EUR', BE: 'EUR', NL: 'EUR', LU: 'EUR', IT: 'EUR', ES: 'EUR', PT: 'EUR', FI: 'EUR',
  GR: 'EUR', SK: 'EUR', SI: 'EUR', EE: 'EUR', LV: 'EUR', LT: 'EUR', MT: 'EUR', CY: 'EUR', HR: 'EUR',
  CH: 'CHF', LI: 'CHF', SE: 'SEK', NO: 'NOK', DK: 'DKK', IS: 'ISK', PL: 'PLN', CZ: 'CZK', HU: 'HUF',
  RO: 'RON', MD: 'MDL', BG: 'BGN', RS: 'RSD', BA: 'BAM', MK: 'MKD', AL: 'ALL', UA: 'UAH', BY: 'BYN',
  RU: 'RUB', KZ: 'KZT', UZ: 'UZS', GE: 'GEL', AM: 'AMD', AZ: 'AZN', TR: 'TRY', IL: 'ILS', SA: 'SAR',
  AE: 'AED', QA: 'QAR', KW: 'KWD', BH: 'BHD', OM: 'OMR', JO: 'JOD', LB: 'LBP', EG: 'EGP', MA: 'MAD',
  DZ: 'DZD', TN: 'TND', IQ: 'IQD', IR: 'IRR', PK: 'PKR', IN: 'INR', BD: 'BDT', LK: 'LKR', NP: 'NPR',
  CN: 'CNY', HK: 'HKD', MO: 'MOP', TW: 'TWD', JP: 'JPY', KR: 'KRW', SG: 'SGD', MY: 'MYR', ID: 'IDR',
  TH: 'THB', VN: 'VND', PH: 'PHP', AU: 'AUD', NZ: 'NZD', ZA: 'ZAR', NG: 'NGN', KE: 'KES', GH: 'GHS',
  ET: 'ETB', TZ: 'TZS', UG: 'UGX',
};

/** Languages spoken in one currency area only: the language alone settles "kr" or "¥". */
// prettier-ignore
const LANGUAGE: Record<string, string> = {
  sv: 'SEK', da: 'DKK', nb: 'NOK', nn: 'NOK', no: 'NOK', is: 'ISK', pl: 'PLN', cs: 'CZK', hu: 'HUF',
  ro: 'RON', bg: 'BGN', uk: 'UAH', ja: 'JPY', ko: 'KRW', th: 'THB', vi: 'VND', he: 'ILS', tr: 'TRY',
  ka: 'GEL', hy: 'AMD', fa: 'IRR', id: 'IDR', ms: 'MYR',
};

/** Country-code domains used as generic names (".io", ".co", ".tv"): they say nothing of a market. */
// prettier-ignore
const GENERIC_CCTLD = new Set([
  'io', 'co', 'ai', 'me', 'tv', 'fm', 'ly', 'gg', 'to', 'cc', 'ws', 'la', 'st', 'sh', 'ac', 'so', 'im', 'vc',
  'ms', 'nu', 'tk', 'ml', 'ga', 'cf', 'gq', 'ag', 'sc', 'gl', 'ps', 'am', 'cx', 'mu', 'bz', 'md',
]);

function region(tag: string | undefined): { region?: string; language?: string } {
  const m = /^([a-z]{2,3})(?:[-_](?:[a-z]{4}[-_])?([a-z]{2}))?\b/i.exec((tag ?? '').trim());
  if (!m) return {};
  const out: { region?: string; language?: string } = { language: m[1]!.toLowerCase() };
  if (m[2]) out.region = m[2].toUpperCase();
  return out;
}

function fromLocale(tag: string | undefined, what: string): PageCurrency | null {
  const { region: r, language } = region(tag);
  if (r && REGION[r]) return { currency: REGION[r]!, evidence: 'locale', detail: `${what}=${tag}` };
  if (!r && language && LANGUAGE[language])
    return { currency: LANGUAGE[language]!, evidence: 'locale', detail: `${what}=${tag}` };
  return null;
}

export function fromDomain(url: string): PageCurrency | null {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return null;
  }
  const labels = host.split('.');
  const tld = labels.at(-1) ?? '';
  if (tld.length !== 2 || GENERIC_CCTLD.has(tld) || /^\d+$/.test(tld)) return null;
  const cur = REGION[tld.toUpperCase()];
  return cur ? { currency: cur, evidence: 'domain', detail: `.${labels.slice(-2).join('.')}` } : null;
}

const EMBEDDED_CODE =
  /"(?:price_?currency|currency_?code|currency|currencyIso|currencyIsoCode)"\s*:\s*"([A-Za-z]{3})"/gi;

/** A currency code that dominates the page's non-JSON-LD scripts (state blobs, analytics). */
function fromEmbeddedJson(idx: DomIndex): PageCurrency | null {
  const counts = new Map<string, number>();
  let total = 0;
  for (const el of idx.dataScripts) {
    const body = textOf(el, 2_000_000);
    for (const m of body.matchAll(EMBEDDED_CODE)) {
      const code = m[1]!.toUpperCase();
      if (!isCurrencyCode(code)) continue;
      counts.set(code, (counts.get(code) ?? 0) + 1);
      total++;
    }
  }
  const best = [...counts].sort((a, b) => b[1] - a[1])[0];
  // at least two mentions, and three in four of all currency mentions: a lone analytics
  // "currency":"USD" on a page priced in euros must not decide
  if (!best || best[1] < 2 || best[1] < total * 0.75) return null;
  return { currency: best[0], evidence: 'embedded-json', detail: `"currency":"${best[0]}" ×${best[1]} in scripts` };
}

/** ISO codes the page's structured data states (JSON-LD candidates, microdata, product meta). */
function fromStructured(idx: DomIndex, jsonLdCodes: Iterable<string>): PageCurrency | null {
  const codes = new Set<string>(jsonLdCodes);
  for (const el of idx.itemprops) {
    if (!/(^|\s)priceCurrency(\s|$)/i.test(el.attribs['itemprop'] ?? '')) continue;
    const c = normalizeCurrency(el.attribs['content'] ?? textOf(el, 16));
    if (c) codes.add(c);
  }
  for (const el of idx.meta) {
    const k = (el.attribs['property'] ?? el.attribs['name'] ?? '').toLowerCase();
    if (!/^(product|og):(sale_)?price:currency$/.test(k)) continue;
    const c = normalizeCurrency(el.attribs['content']);
    if (c) codes.add(c);
  }
  if (codes.size !== 1) return null;
  const [c] = codes;
  return { currency: c!, evidence: 'structured-data', detail: `priceCurrency ${c}` };
}

export interface ResolveCurrencyInput {
  $: CheerioAPI;
  idx: DomIndex;
  url: string;
  siteCurrency?: string | undefined;
  /** Currency codes JSON-LD offers state. */
  jsonLdCodes: Iterable<string>;
  /** The market default (MAPWATCH_DEFAULT_CURRENCY): used only when nothing else decides. */
  defaultCurrency?: string | undefined;
}

/** The decided currency, or none with why (`detail`). */
export type PageCurrencyResult = PageCurrency | { currency: null; detail: string };

export function resolvePageCurrency(input: ResolveCurrencyInput): PageCurrencyResult {
  const site = input.siteCurrency?.toUpperCase();
  if (site && isCurrencyCode(site)) return { currency: site, evidence: 'site-config', detail: `currency: ${site}` };
  const structured = fromStructured(input.idx, input.jsonLdCodes);
  if (structured) return structured;
  const locale =
    fromLocale(input.idx.htmlLang, '<html lang') ??
    fromLocale(input.idx.meta.find((m) => m.attribs['property'] === 'og:locale')?.attribs['content'], 'og:locale');
  const domain = fromDomain(input.url);
  // scanning scripts is the costly step: only when the cheaper evidence does not decide
  const embeddedLazy = (): PageCurrency | null => fromEmbeddedJson(input.idx);
  if (locale && domain && locale.currency !== domain.currency) {
    const embedded = embeddedLazy();
    // "en-US" is many templates' default, so a store on ".com.au" may still say it: when the page's
    // language region and its country domain disagree, only embedded JSON agreeing with one decides
    if (embedded && (embedded.currency === locale.currency || embedded.currency === domain.currency)) return embedded;
    return {
      currency: null,
      detail: `${locale.detail} says ${locale.currency} but the domain ${domain.detail} says ${domain.currency}`,
    };
  }
  if (locale) return locale;
  if (domain) return domain;
  const embedded = embeddedLazy();
  if (embedded) return embedded;
  const dflt = input.defaultCurrency?.trim().toUpperCase();
  if (dflt && isCurrencyCode(dflt)) return { currency: dflt, evidence: 'default', detail: `market default ${dflt}` };
  return {
    currency: null,
    detail:
      'no site currency, no single ISO code in structured data, no language region, no country domain, ' +
      'no dominant currency in embedded JSON and no MAPWATCH_DEFAULT_CURRENCY',
  };
}
