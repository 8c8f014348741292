/**
 * Amount and currency normalisation for structured data (JSON-LD, microdata, meta tags),
 * where prices are mostly plain numbers: 1299, "1299.00", "1.299,00", "1,299.00".
 * Free text (with symbols, superscripts, words) goes through parsePrice instead.
 */
import { currencyExponent, isCurrencyCode } from '../normalize/currency.js';

/** Legacy or informal codes that real pages use. */
const CODE_ALIASES: Record<string, string> = {
  RUR: 'RUB',
  BYR: 'BYN',
  LEI: 'RON',
  РУБ: 'RUB',
  TL: 'TRY',
  NIS: 'ILS',
  RMB: 'CNY',
  STG: 'GBP',
};

/** Symbols that name exactly one currency. `$`, `kr`, `¥` are ambiguous and resolve only via a hint. */
const SYMBOLS: Record<string, string> = {
  '€': 'EUR',
  '£': 'GBP',
  '₹': 'INR',
  '₽': 'RUB',
  '₴': 'UAH',
  '₺': 'TRY',
  '₩': 'KRW',
  '₪': 'ILS',
  '₫': 'VND',
  zł: 'PLN',
  kč: 'CZK',
  ft: 'HUF',
  lei: 'RON',
  c$: 'CAD',
  ca$: 'CAD',
  us$: 'USD',
  a$: 'AUD',
  au$: 'AUD',
  nz$: 'NZD',
  r$: 'BRL',
  hk$: 'HKD',
  s$: 'SGD',
  mx$: 'MXN',
  тг: 'KZT',
  '₸': 'KZT',
  руб: 'RUB',
};

/** Turns "usd", "RUR", "€" into an ISO 4217 code, or null. */
export function normalizeCurrency(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const t = value.trim();
  if (!t) return null;
  const up = t.toUpperCase();
  if (isCurrencyCode(up)) return up;
  const alias = CODE_ALIASES[up];
  if (alias) return alias;
  return SYMBOLS[t.toLowerCase().replace(/\.$/, '')] ?? null;
}

/**
 * A currency sign written into a structured amount ("$49.99", "49,99 €"), resolved: `code` when
 * the sign names one currency, `unsettled` when it names several ("$", "kr") or none known. A
 * structured amount with an unsettled sign must not take the site's currency: "$" is never EUR.
 */
export function signOf(value: unknown): { code: string | null; unsettled: boolean } {
  if (typeof value !== 'string') return { code: null, unsettled: false };
  const sign = value.replace(/[\d.,\s\u00a0\u202f'’-]/g, '');
  if (!sign) return { code: null, unsettled: false };
  const code = normalizeCurrency(sign);
  return { code, unsettled: code === null };
}

/** Canonical decimal string: no leading zeros, no trailing fraction zeros beyond need ("49.10" -> "49.1"). */
function canonical(whole: string, frac: string): string {
  const w = whole.replace(/^0+(?=\d)/, '') || '0';
  const f = frac.replace(/0+$/, '');
  return f ? `${w}.${f}` : w;
}

/**
 * Normalises a structured-data amount. `currency` (when known) settles "1.299" (EUR: one thousand
 * two hundred ninety-nine, because EUR has two decimals) versus "1.299" (KWD: three decimals).
 * Returns null for anything that is not a plain positive amount.
 */
export function normalizeAmount(value: unknown, currency?: string | null): string | null {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) return null;
    const s = Number.isInteger(value) ? value.toFixed(0) : String(value);
    if (/e/i.test(s)) return null;
    const [w = '0', f = ''] = s.split('.');
    return canonical(w, f);
  }
  if (typeof value !== 'string') return null;
  let s = value.replace(/[\s\u00a0\u202f']/g, '');
  // drop a currency code or symbol around the number (structured values sometimes carry one)
  s = s.replace(/^[^\d.,-]+|[^\d.,]+$/g, '');
  if (!s || !/^\d[\d.,]*$/.test(s)) return null;
  const exp = currency && isCurrencyCode(currency) ? currencyExponent(currency) : 2;
  const lastDot = s.lastIndexOf('.');
  const lastComma = s.lastIndexOf(',');
  let whole: string;
  let frac = '';
  if (lastDot >= 0 && lastComma >= 0) {
    const dec = Math.max(lastDot, lastComma);
    whole = s.slice(0, dec).replace(/[.,]/g, '');
    frac = s.slice(dec + 1);
  } else if (lastDot >= 0 || lastComma >= 0) {
    const sep = lastDot >= 0 ? '.' : ',';
    const parts = s.split(sep);
    const tail = parts[parts.length - 1]!;
    const grouping = parts.length > 2 || (tail.length === 3 && exp !== 3 && parts[0]!.length <= 3 && parts[0] !== '0');
    if (grouping) {
      if (!parts.slice(1).every((p) => p.length === 3)) return null;
      whole = parts.join('');
    } else {
      whole = parts[0]!;
      frac = tail;
    }
  } else {
    whole = s;
  }
  if (!/^\d+$/.test(whole) || !/^\d*$/.test(frac)) return null;
  return canonical(whole, frac);
}

/** Numeric equality of two decimal strings. */
export function sameAmount(a: string, b: string): boolean {
  return Number(a) === Number(b);
}

/** Relative difference |a-b| / max(a,b). */
export function relDiff(a: string, b: string): number {
  const x = Number(a);
  const y = Number(b);
  const m = Math.max(Math.abs(x), Math.abs(y));
  return m === 0 ? 0 : Math.abs(x - y) / m;
}
