/**
 * OpenGraph / product meta tags: product:price:amount + product:price:currency, og:price:*,
 * product:sale_price:*, twitter:label/data pairs, and a bare `<meta itemprop="price">` outside
 * any itemscope.
 */
import type { CheerioAPI } from 'cheerio';
import { normalizeAvailability } from './availability.js';
import type { Candidate, CandidateRole } from './candidate.js';
import type { DomIndex } from './dom-index.js';
import { normalizeAmount, normalizeCurrency, signOf } from './money.js';
import { priceFromText } from './text-price.js';

/** meta key prefix → role of its amount. */
const PRICE_KEYS: Array<[RegExp, CandidateRole]> = [
  [/^(product|og):sale_price$/, 'price'],
  [/^(product|og):price$/, 'price'],
  [/^(product|og):(original_price|standard_price|regular_price|price:standard)$/, 'list'],
];

export function extractMeta($: CheerioAPI, idx: DomIndex, currencyHint?: string, locale?: string): Candidate[] {
  const tags = new Map<string, string>();
  const twitter = new Map<string, string>();
  let bareItemprop: string | undefined;
  let bareCurrency: string | undefined;
  for (const el of idx.meta) {
    const a = el.attribs;
    const content = a['content'];
    if (content === undefined) continue;
    const k = (a['property'] ?? a['name'] ?? '').toLowerCase().trim();
    if (k) {
      if (k.startsWith('twitter:')) twitter.set(k, content);
      else if (/price|availability/.test(k) && !tags.has(k)) tags.set(k, content);
    }
    const ip = a['itemprop'];
    if (ip && !$(el).closest('[itemscope]').length) {
      if (ip === 'price') bareItemprop ??= content;
      if (ip === 'priceCurrency') bareCurrency ??= content;
    }
  }
  const out: Candidate[] = [];
  const availability = normalizeAvailability(tags.get('product:availability') ?? tags.get('og:availability'));
  const add = (role: CandidateRole, rawAmount: string, rawCurrency: string | undefined): Candidate | undefined => {
    const sign = rawCurrency ? null : signOf(rawAmount);
    const currency = normalizeCurrency(rawCurrency) ?? sign?.code ?? null;
    let amount = normalizeAmount(rawAmount, currency);
    let cur = currency;
    let unsettled = sign?.unsettled === true;
    if (amount === null) {
      const p = priceFromText(rawAmount, currency ?? currencyHint, locale);
      if (!p) return undefined;
      amount = p.amount;
      cur = currency ?? (p.currencyFromText ? p.currency : null);
      unsettled = !currency && p.unsettledSign;
    }
    const c: Candidate = { source: 'meta', role, amount, currency: cur, raw: rawAmount };
    if (unsettled) c.unsettledSign = true;
    if (availability) c.availability = availability;
    out.push(c);
    return c;
  };
  const sale: Candidate[] = [];
  // "product:price:amount" / "og:price:amount" / "product:sale_price:amount" (+ ":currency")
  for (const [k, v] of tags) {
    const m = /^(.*):amount$/.exec(k);
    if (!m) continue;
    const prefix = m[1]!;
    const rule = PRICE_KEYS.find(([re]) => re.test(prefix));
    if (!rule) continue; // pretax, shipping, etc.
    const c = add(
      rule[1],
      v,
      tags.get(`${prefix}:currency`) || tags.get('product:price:currency') || tags.get('og:price:currency'),
    );
    if (c && /sale_price/.test(prefix)) sale.push(c);
  }
  // a sale price, when present, is the selling price; the plain price becomes the regular price
  if (sale.length > 0) for (const c of out) if (c.role === 'price' && !sale.includes(c)) c.role = 'list';
  // twitter:label1 "Price" + twitter:data1 "$12.99"
  for (let i = 1; i <= 4; i++) {
    const label = twitter.get(`twitter:label${i}`);
    const data = twitter.get(`twitter:data${i}`);
    if (label && data && /price|prix|preis|precio|prezzo|cena|pre[çc]o/i.test(label)) {
      const p = priceFromText(data, currencyHint, locale);
      if (p)
        out.push({
          source: 'meta',
          role: 'price',
          amount: p.amount,
          currency: p.currencyFromText ? p.currency : null,
          raw: data,
          ...(p.unsettledSign ? { unsettledSign: true } : {}),
        });
    }
  }
  if (bareItemprop !== undefined) add('price', bareItemprop, bareCurrency);
  return out;
}
