/** Price text → amount/currency, via the shared parsePrice, with the site's currency as hint. */
import { parsePriceDetailed } from '../normalize/parse-price.js';
import { normalizeCurrency } from './money.js';

export interface TextPrice {
  amount: string;
  currency: string | null;
  /** Whether the currency came from the text itself (not from the hint). */
  currencyFromText: boolean;
  /** How many price-looking numbers the text held. */
  candidates: number;
  /** The matched price token and the text before / after it. */
  raw: string;
  before: string;
  after: string;
}

/** Local currency words parsePrice does not know yet, rewritten to their ISO code first. */
const LOCAL_WORDS: Array<[RegExp, string]> = [
  [/(\d)\s*(тг|тенге)\.?(?![\p{L}])/giu, '$1 KZT'],
  [/(\d)\s*₸/gu, '$1 KZT'],
];

export function priceFromText(text: string, currencyHint?: string, locale?: string): TextPrice | null {
  let t = text.replace(/\s+/g, ' ').trim();
  for (const [re, code] of LOCAL_WORDS) t = t.replace(re, code);
  if (!t || t.length > 400 || !/\d/.test(t)) return null;
  let r;
  try {
    r = parsePriceDetailed(t, { ...(currencyHint ? { currencyHint } : {}), ...(locale ? { locale } : {}) });
  } catch {
    return null;
  }
  if (!r.amount || !/^\d+(\.\d+)?$/.test(r.amount)) return null;
  const currency = r.currency ? normalizeCurrency(r.currency) : null;
  const raw = r.raw ?? t;
  const at = r.index >= 0 ? r.index : 0;
  return {
    amount: r.amount.replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, ''),
    currency,
    currencyFromText: r.currencyFromText,
    candidates: r.candidates,
    raw,
    before: t.slice(0, at),
    after: t.slice(at + raw.length),
  };
}
