/**
 * ISO 4217 currencies and their minor-unit exponents.
 *
 * Money is stored as an integer count of minor units plus the currency code,
 * so the exponent must be the currency's real one: JPY has none, KWD has three.
 * A float never touches an amount.
 */

const EXPONENTS: Record<string, number> = {
  // zero-decimal currencies
  BIF: 0,
  CLP: 0,
  DJF: 0,
  GNF: 0,
  ISK: 0,
  JPY: 0,
  KMF: 0,
  KRW: 0,
  PYG: 0,
  RWF: 0,
  UGX: 0,
  UYI: 0,
  VND: 0,
  VUV: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
  // three-decimal currencies
  BHD: 3,
  IQD: 3,
  JOD: 3,
  KWD: 3,
  LYD: 3,
  OMR: 3,
  TND: 3,
  // four-decimal (funds codes, rare in retail but valid ISO 4217)
  CLF: 4,
  UYW: 4,
};

/** Every ISO 4217 code mapwatch accepts (active codes, 2024 list). */
const CODES = new Set(
  (
    'AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD ' +
    'CAD CDF CHF CLF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP ' +
    'GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD ' +
    'KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK ' +
    'NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD ' +
    'SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYI UYU UYW UZS VES VND VUV WST ' +
    'XAF XCD XOF XPF YER ZAR ZMW ZWL'
  ).split(' '),
);

export function isCurrencyCode(code: string): boolean {
  return CODES.has(code);
}

export function currencyExponent(code: string): number {
  if (!CODES.has(code)) throw new RangeError(`unknown ISO 4217 currency code "${code}"`);
  return EXPONENTS[code] ?? 2;
}

/**
 * "1299.5" in EUR -> 129950. Throws on more fraction digits than the currency
 * has, because silently rounding an observed price could flip a verdict.
 */
export function toMinorUnits(amount: string, currency: string): number {
  const exp = currencyExponent(currency);
  const m = /^(-)?(\d+)(?:\.(\d+))?$/.exec(amount.trim());
  if (!m) throw new RangeError(`"${amount}" is not a decimal amount`);
  const [, neg, whole, fracRaw = ''] = m;
  const frac = fracRaw.replace(/0+$/, '');
  if (frac.length > exp) {
    throw new RangeError(`"${amount}" has more decimals than ${currency} allows (${exp})`);
  }
  const minor = Number(whole + frac.padEnd(exp, '0'));
  if (!Number.isSafeInteger(minor)) throw new RangeError(`"${amount}" is too large`);
  return neg ? -minor : minor;
}

/** 129950 EUR -> "1299.50"; 1299 JPY -> "1299". */
export function fromMinorUnits(minor: number, currency: string): string {
  const exp = currencyExponent(currency);
  const neg = minor < 0;
  const digits = String(Math.abs(minor)).padStart(exp + 1, '0');
  const whole = exp === 0 ? digits : digits.slice(0, -exp);
  const frac = exp === 0 ? '' : '.' + digits.slice(-exp);
  return (neg ? '-' : '') + whole + frac;
}

/** Human display: "EUR 1299.50". Kept plain on purpose: no locale guessing in evidence. */
export function formatMoney(minor: number, currency: string): string {
  return `${currency} ${fromMinorUnits(minor, currency)}`;
}
