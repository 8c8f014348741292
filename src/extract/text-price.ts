/** Price text → amount/currency, via the shared parsePrice, with the site's currency as hint. */
import { parsePriceDetailed } from '../normalize/parse-price.js';
import { normalizeCurrency } from './money.js';

export interface TextPrice {
  amount: string;
  currency: string | null;
  /** Whether the currency came from the text itself (not from the hint). */
  currencyFromText: boolean;
  /** The amount has a currency sign that the hint does not settle ("$" on a EUR site): never fill it in. */
  unsettledSign: boolean;
  /** How many price-looking numbers the text held. */
  candidates: number;
  /** The matched price token and the text before / after it. */
  raw: string;
  before: string;
  after: string;
}

export function priceFromText(text: string, currencyHint?: string, locale?: string): TextPrice | null {
  const t = text.replace(/\s+/g, ' ').trim();
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
    unsettledSign: r.unsettledSign === true,
    candidates: r.candidates,
    raw,
    before: t.slice(0, at),
    after: t.slice(at + raw.length),
  };
}
