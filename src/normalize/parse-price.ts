/**
 * Locale-aware storefront price parser: "1.299,00 €" -> { amount: "1299.00", currency: "EUR" }.
 *
 * In mapwatch a wrong price is worse than no price (it falsely accuses a reseller), so every
 * doubt ends in `null`. Amounts stay digit strings end to end; no float ever touches them.
 *
 * How a text is read:
 * 1. Numbers are found with their attached currency markers (symbol, ISO code or local word,
 *    before or after the number). The FIRST currency-marked amount wins; `candidates` counts
 *    all of them so the extractor can spot was/now pairs and ranges. Negative amounts, zero
 *    amounts, percentages and numbers glued to letters ("128GB", "$10k") are not prices.
 * 2. With no currency-marked amount, a bare number is a price only when it is the whole text.
 * 3. Lone "." or "," followed by exactly three digits ("1.299") is settled, in this order, by:
 *    a) structure: a leading "0" or more than 3 leading digits means decimal ("0,899");
 *    b) the currency's ISO exponent: if every possible currency has <= 2 decimals, three
 *       fraction digits are impossible, so it is grouping ("1.299 €", "1,299 €", "¥1.299");
 *    c) the locale hint's decimal/group separator (Intl), for unknown or 3-decimal currencies;
 *    d) the currency's typical convention (KWD/BHD/... use "." as decimal, TND uses ",");
 *    e) otherwise ambiguous -> null.
 * 4. Ambiguous markers ($, kr, ¥, £, Rs, lei ...) take the hint when it is one of their
 *    currencies, else their default: `$` and `kr` have none (null), ¥ -> JPY (CNY when the
 *    text says 元/RMB/CN¥), £ -> GBP, Rs -> INR. An unambiguous marker beats the hint.
 * Split cents: "$ 31 57" (two-digit token framed by a currency, nothing wordy after), "49€90".
 * Superscript cents: both "173<sup>34</sup> Lei" (literal HTML) and "173^34 Lei" are accepted.
 * Split decimals: a decimal mark followed by a space and two digits ("$119. 95", "118, 99 TL",
 *    "1.837, 32 €") is one amount when a currency frames it and no word follows; otherwise the
 *    token is unreadable (null with a reason), never its integer part or its cents.
 * Euro sign as decimal mark: "49€90" and "35€ 99" are read whole; "1250€600" (a sign between
 *    digits that are not two cents) is unreadable, never 1250 nor 600.
 * Every amount that cannot be read whole comes back as null with a `reason` (see ParseFailReason).
 */
import { currencyExponent, isCurrencyCode } from './currency.js';
import type { ParsedPrice } from '../types.js';

export interface ParsePriceOptions {
  /** ISO 4217 code the site normally uses; a default, never an override of the text. */
  currencyHint?: string;
  /** BCP 47 locale of the page, used only to settle "1.299"-style ambiguity. */
  locale?: string;
}

/** Why a price-like text gave no amount. Stable codes: tests and warnings name them. */
export type ParseFailReason =
  /** No digits that could be an amount. */
  | 'no_amount'
  /** Numbers, but none marked by a currency, and no bare number that is the whole text. */
  | 'no_currency_marker'
  /** "0,00 €", "Free": never a MAP price. */
  | 'zero'
  | 'free'
  | 'negative'
  /** A separator that could be decimal or grouping ("1,299" with no currency or locale). */
  | 'ambiguous_separator'
  /** Grouping that is not 3-digit (or Indian) groups: "1,234,56". */
  | 'bad_grouping'
  /** More decimals than the currency has ("0,899 €", "12.5" JPY). */
  | 'too_many_decimals'
  /** "$ 31 57 each": cents or a separate number? */
  | 'split_cents'
  /** "$119. 95 left": a decimal mark, a space, two digits and then words. */
  | 'split_decimal'
  /** "1250€600", "35€ 99 items": a currency sign between digits that cannot be read as cents. */
  | 'sign_between_digits'
  /** The text's currency markers contradict each other ("$19.99 EUR"). */
  | 'conflicting_currency'
  /** Marked only by a unit that is no ISO 4217 currency today ("745,92 kn", "120,000 تومان"). */
  | 'unsupported_currency';

export interface ParsedPriceDetailed extends ParsedPrice {
  /** The matched substring (markers included), or null. */
  raw: string | null;
  /** Position of `raw` in the input, -1 when none. */
  index: number;
  /** How many price-like amounts the text holds (currency-marked ones, or 1 for a bare number). */
  candidates: number;
  /** True when the text alone (without the hint) names this currency. */
  currencyFromText: boolean;
  /** Set when amount is null: why the text gave no amount. */
  reason?: ParseFailReason;
  /**
   * Set when the amount carries a currency sign that does not settle to one currency with the
   * hint given ("$" with no hint, or with hint EUR): the caller must not fill the currency in.
   */
  unsettledSign?: true;
}

interface Marker {
  codes: string[];
  dflt: string | null;
  weak?: boolean;
  /** A unit that is not a current ISO 4217 currency (Croatian kuna, Iranian toman): never read. */
  unsupported?: boolean;
}
const fixed = (code: string): Marker => ({ codes: [code], dflt: code });
const DOLLAR =
  'USD CAD AUD NZD HKD SGD MXN TWD ARS CLP COP UYU BSD BBD BZD BMD BND FJD GYD JMD KYD LRD NAD SBD SRD TTD XCD DOP CUP'.split(
    ' ',
  );
const YEN: Marker = { codes: ['JPY', 'CNY'], dflt: 'JPY' };
// Labels are literal; a space in a label also matches no space ("US $" / "US$").
const MARKER_TABLE: Array<[string[], Marker]> = [
  [['$'], { codes: DOLLAR, dflt: null }],
  [['US$', 'US $', 'U$S'], fixed('USD')],
  [['C$', 'CA$', 'Can$'], fixed('CAD')],
  [['A$', 'AU$'], fixed('AUD')],
  [['NZ$'], fixed('NZD')],
  [['HK$'], fixed('HKD')],
  [['S$', 'SG$'], fixed('SGD')],
  [['R$'], fixed('BRL')],
  [['MX$', 'Mex$'], fixed('MXN')],
  [['NT$'], fixed('TWD')],
  [['RD$'], fixed('DOP')],
  [['J$'], fixed('JMD')],
  [['€', 'Euro', 'euro', 'EURO', 'Euros', 'euros'], fixed('EUR')],
  [['£'], { codes: ['GBP', 'EGP', 'GIP', 'FKP', 'SHP', 'SSP', 'SYP', 'LBP'], dflt: 'GBP' }],
  [['¥', '￥'], YEN],
  [['JP¥', '円'], fixed('JPY')],
  [['CN¥', '元', 'RMB', '人民币'], fixed('CNY')],
  [['₹'], fixed('INR')],
  [['Rs', 'Rs.', '₨'], { codes: ['INR', 'PKR', 'LKR', 'NPR', 'MUR', 'SCR'], dflt: 'INR' }],
  [['kr', 'kr.', 'Kr', 'Kr.', 'KR'], { codes: ['SEK', 'NOK', 'DKK', 'ISK'], dflt: null }],
  [['Fr.', 'SFr.', 'sFr.'], fixed('CHF')],
  [['zł'], fixed('PLN')],
  [['Kč'], fixed('CZK')],
  [['Ft'], fixed('HUF')],
  [['lei', 'Lei', 'LEI'], { codes: ['RON', 'MDL'], dflt: 'RON' }],
  [['₺', 'TL'], fixed('TRY')],
  [['₽', 'руб', 'руб.', 'р.', 'р', 'Р', 'РУБ'], { codes: ['RUB', 'BYN'], dflt: 'RUB' }],
  [['₩', '원'], fixed('KRW')],
  [['₫', 'đ', 'VNĐ'], fixed('VND')],
  [['ر.س', 'SR'], fixed('SAR')],
  [['د.إ', 'Dhs'], fixed('AED')],
  [['﷼'], { codes: ['SAR', 'IRR', 'OMR', 'QAR', 'YER'], dflt: null }],
  [['ر.ق'], fixed('QAR')],
  [['د.ك'], fixed('KWD')],
  [['د.ب'], fixed('BHD')],
  [['ر.ع'], fixed('OMR')],
  [['E£', 'ج.م'], fixed('EGP')],
  [['₪', 'ש"ח', 'ש״ח', 'שח'], fixed('ILS')],
  [['฿', 'บาท'], fixed('THB')],
  [['₱'], fixed('PHP')],
  [['₴', 'грн', 'грн.'], fixed('UAH')],
  [['лв', 'лв.'], fixed('BGN')],
  [['₸', 'тг', 'тг.', 'тенге'], fixed('KZT')],
  [['₦'], fixed('NGN')],
  [['₵'], fixed('GHS')],
  [['₡'], fixed('CRC')],
  [['₲'], fixed('PYG')],
  [['৳'], fixed('BDT')],
  [['₾'], fixed('GEL')],
  [['₼'], fixed('AZN')],
  [['RM'], fixed('MYR')],
  [['Rp'], fixed('IDR')],
  [['S/', 'S/.'], fixed('PEN')],
  [['KSh'], fixed('KES')],
  [['DH', 'Dh'], fixed('MAD')],
  // Arabic and Persian currency words name a family of currencies; only the hint settles which.
  [['ريال', 'ر.ي'], { codes: ['SAR', 'QAR', 'OMR', 'YER', 'IRR'], dflt: null }],
  [['ریال'], fixed('IRR')], // Persian spelling (Farsi yeh): Iran
  [['درهم'], { codes: ['AED', 'MAD'], dflt: null }],
  [['دينار', 'د.ج', 'د.ت', 'د.أ', 'ع.د'], { codes: ['KWD', 'BHD', 'JOD', 'IQD', 'LYD', 'TND', 'DZD'], dflt: null }],
  [['جنيه', 'ج.س'], { codes: ['EGP', 'SDG', 'SSP'], dflt: null }],
  [['ليرة', 'ل.ل', 'ل.س'], { codes: ['LBP', 'SYP'], dflt: null }],
  // Not ISO 4217 currencies today: the kuna was replaced by the euro in 2023 (dual displays keep
  // showing it), the toman is ten Iranian rials. Reading either as a price would misstate it.
  [['kn', 'Kn', 'KN', 'kuna'], { codes: ['HRK'], dflt: 'HRK', unsupported: true }],
  [['تومان', 'تومن'], { codes: ['IRT'], dflt: 'IRT', unsupported: true }],
  // Weak markers are too short or shared to trust unless the site's hint agrees.
  [['Br'], { codes: ['BYN', 'ETB'], dflt: null, weak: true }],
  [['R'], { codes: ['ZAR'], dflt: null, weak: true }],
];
/** ISO codes that are also English words ("SHOP ALL", "TOP 10"): only trusted when they equal the hint. */
const WORD_CODES = new Set(['ALL', 'AMD', 'BAM', 'BOB', 'CUP', 'GEL', 'MAD', 'MOP', 'PEN', 'SOS', 'TOP']);
/** Typical decimal separator of 3-decimal currencies, whose "1.299" really can be 1.299. */
const CONVENTION_DECIMAL: Record<string, string> = { BHD: '.', JOD: '.', KWD: '.', LYD: '.', OMR: '.', TND: ',' };

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&').replace(/ /g, '\\s?');
const CODE_SRC = '[A-Z]{3}(?:\\s?\\$)?'; // "EUR", "CAD $", "USD$"
/**
 * Each label's regexes, and its first character (`lead`; null for the ISO-code pattern): a label
 * can only match a window that holds that character, and skipping the others keeps V8 from
 * compiling about 300 regexes on a process's first parse (7–19 ms before, about 3.5 ms after).
 */
const ENTRIES = [
  ...MARKER_TABLE.flatMap(([labels, marker]) =>
    labels.map((l) => ({ src: esc(l), marker, lead: String.fromCodePoint(l.codePointAt(0)!) })),
  ),
  { src: CODE_SRC, marker: null, lead: null },
].map((e) => ({
  ...e,
  before: new RegExp(`(?:${e.src})\\s{0,3}$`, 'u'),
  after: new RegExp(`^\\s{0,3}(${e.src})`, 'u'),
}));

// Digits with '.', ',', apostrophes or (before exactly three digits) a space between them.
// Or a leading-dot decimal (".99", as US stores show cents-only prices).
const NUM_RE = /(?<![\d.,'’‘])(?:\d+(?:(?:[.,'’‘]|[ ](?=\d{3}(?!\d)))\d+)*|\.\d{2}(?![\d.,]))/g;
const DASH_RE = /[.,:](?:--|[-–—])(?![\d])/y; // "12,-", "1'299.–", "99:-" (Swedish): whole units
const SUP_RE = /[.,]?\s?(?:<sup>\s*[.,]?(\d{2})\s*<\/sup>|\^(\d{2}))(?!\d)/y; // "173<sup>34</sup>", "173^34"
const SPLIT_RE = / (\d{2})(?![\d%]|[.,'’‘]\d)/y; // "$ 31 57"
const SPLIT_DEC_RE = /([.,]) {1,2}(\d{2})(?![\d%]|[.,'’‘]\d)/y; // "$119. 95", "118, 99 TL"
/** After split cents / decimals: the end, or punctuation that is not a number or a percentage. */
const NOTHING_WORDY = /^\s*(?:$|[.,;:!)\]/|*](?!\d)|[^\s\p{L}\p{N}%.,])/u;
const PCT_RE = /\s?%/y;
const RANGE_GAP = /^\s*(?:[-–—~]|to|bis|à|a|al|до)\s*$/u;
/** Words a storefront shows instead of an amount for a product given away. */
const FREE =
  /(^|[^\p{L}])(free|gratis|gratuit|kostenlos|gr[aá]tis|gratuito|бесплатно|darmowy|zdarma|ingyenes|無料|免费)([^\p{L}]|$)/iu;
const isLetter = (c: string | undefined) => c !== undefined && /\p{L}/u.test(c);
/**
 * Scripts written without spaces between words (Chinese, Japanese, Korean, Thai): a digit next to
 * one of their characters is not glued to a word ("価格1,299円", "ราคา1,290"), unlike "X100".
 */
const UNSPACED = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Thai}]/u;
const isWordLetter = (c: string | undefined) => isLetter(c) && !UNSPACED.test(c!);

interface MarkerHit {
  marker: Marker;
  start: number;
  end: number;
}
interface Token {
  start: number;
  end: number;
  rawStart: number;
  rawEnd: number;
  num: string;
  extraFrac: string | null;
  integerOnly: boolean;
  markers: Marker[];
  notPrice: boolean;
  ambiguous: boolean;
  /** Why the token cannot be read whole (set with ambiguous / notPrice). */
  reason?: ParseFailReason;
}
interface Ctx {
  hint: string | undefined;
  locale: string | undefined;
  cnText: boolean;
}

function resolveHit(matched: string, marker: Marker | null, ctx: Ctx): Marker | null {
  if (!marker) {
    // generic ISO code
    const code = matched.slice(0, 3);
    if (!isCurrencyCode(code) || (WORD_CODES.has(code) && code !== ctx.hint)) return null;
    return fixed(code);
  }
  if (marker.weak && !(ctx.hint && marker.codes.includes(ctx.hint))) return null;
  if (marker === YEN && ctx.cnText) return { codes: YEN.codes, dflt: 'CNY' };
  return marker;
}

/** Longest currency marker ending at `pos` (side 'before') or starting at `pos` (side 'after'). */
function findMarker(text: string, pos: number, side: 'before' | 'after', ctx: Ctx): MarkerHit | null {
  let best: MarkerHit | null = null;
  const from = Math.max(0, pos - 16);
  const win = side === 'before' ? text.slice(from, pos) : text.slice(pos, pos + 16);
  for (const e of ENTRIES) {
    if (e.lead !== null && !win.includes(e.lead)) continue;
    const m = (side === 'before' ? e.before : e.after).exec(win);
    if (!m) continue;
    const label = side === 'before' ? m[0].trimEnd() : m[1]!;
    const start = side === 'before' ? from + m.index : pos + m[0].length - label.length;
    const end = start + label.length;
    // Word-like markers must stand alone: "Rs" yes, "Users" no; "kr" yes, "krone" no.
    if (isLetter(label[0]) && isLetter(text[start - 1])) continue;
    if (isLetter(label.at(-1)) && isLetter(text[end])) continue;
    const marker = resolveHit(label, e.marker, ctx);
    if (marker && (!best || end - start > best.end - best.start)) best = { marker, start, end };
  }
  return best;
}

/** A '-' directly before `i` is a minus sign unless a digit precedes it (then it is a range). */
function signBefore(text: string, i: number): boolean {
  if (!/[-−]/.test(text[i - 1] ?? '')) return false;
  return !/\d\s*$/.test(text.slice(Math.max(0, i - 8), i - 1));
}

function splitNum(num: string) {
  return { groups: num.split(/[^\d]/), seps: num.match(/[^\d]/g) ?? [] };
}

/** Integer with valid thousands grouping (incl. Indian lakh "1,23,456"), or null. */
function groupedInteger(groups: string[], seps: string[]): string | null {
  if (seps.length === 0) return groups[0] ?? null;
  if (new Set(seps).size !== 1) return null;
  const [g0 = '', ...rest] = groups;
  if (g0.length > 3 || g0.startsWith('0')) return null;
  if (rest.every((g) => g.length === 3)) return groups.join('');
  const indian =
    seps[0] === ',' && g0.length <= 2 && rest.at(-1)?.length === 3 && rest.slice(0, -1).every((g) => g.length === 2);
  return indian ? groups.join('') : null;
}

const sepCache = new Map<string, { decimal: string; group: string } | null>();
function localeSeparators(locale: string) {
  if (!sepCache.has(locale)) {
    let seps: { decimal: string; group: string } | null = null;
    try {
      if (Intl.NumberFormat.supportedLocalesOf(locale).length > 0) {
        const parts = new Intl.NumberFormat(locale).formatToParts(12345678.9);
        seps = {
          decimal: parts.find((p) => p.type === 'decimal')?.value ?? '',
          group: parts.find((p) => p.type === 'group')?.value ?? '',
        };
      }
    } catch {
      /* invalid locale tag: treat as no hint */
    }
    sepCache.set(locale, seps);
  }
  return sepCache.get(locale) ?? null;
}

type Read = { whole: string; frac: string } | { reason: ParseFailReason };
const BAD_GROUPING: Read = { reason: 'bad_grouping' };
const AMBIGUOUS: Read = { reason: 'ambiguous_separator' };

/** Whole and fraction digits of a number token, or why the structure is invalid or ambiguous. */
function interpret(t: Token, possible: string[], ctx: Ctx): Read {
  const { groups, seps } = splitNum(t.num);
  if (t.integerOnly) {
    const whole = groupedInteger(groups, seps);
    return whole === null ? BAD_GROUPING : { whole, frac: t.extraFrac ?? '' };
  }
  const last = seps.at(-1);
  if (last === undefined) return { whole: t.num, frac: '' };
  if (groups[0] === '') return { whole: '0', frac: groups[1]! }; // ".99"
  const asInteger = (): Read => {
    const w = groupedInteger(groups, seps);
    return w === null ? BAD_GROUPING : { whole: w, frac: '' };
  };
  // Only '.' or ',' can be a decimal mark, and only once; a repeated separator is grouping.
  if ((last !== '.' && last !== ',') || seps.slice(0, -1).includes(last)) return asInteger();
  const frac = groups.at(-1)!;
  if (seps.length > 1) {
    const whole = groupedInteger(groups.slice(0, -1), seps.slice(0, -1));
    return whole === null ? BAD_GROUPING : { whole, frac };
  }
  const g0 = groups[0]!;
  if (frac.length !== 3 || g0.length > 3 || g0.startsWith('0')) return { whole: g0, frac };
  // A lone separator before exactly three digits: see rule 3 in the header.
  const exps = possible.map(currencyExponent);
  if (exps.length > 0 && exps.every((e) => e <= 2)) return asInteger();
  const loc = ctx.locale ? localeSeparators(ctx.locale) : null;
  if (loc?.decimal === last) return { whole: g0, frac };
  if (loc?.group === last) return asInteger();
  const conv = possible.length === 1 ? CONVENTION_DECIMAL[possible[0]!] : undefined;
  if (conv) return conv === last ? { whole: g0, frac } : asInteger();
  return AMBIGUOUS;
}

function resolveCurrency(markers: Marker[], ctx: Ctx) {
  let set = markers[0]!.codes;
  for (const m of markers.slice(1)) set = set.filter((c) => m.codes.includes(c));
  const dflt = markers.map((m) => m.dflt).find((d) => d !== null && set.includes(d)) ?? null;
  const textOnly = set.length === 1 ? set[0]! : dflt;
  const currency = set.length === 1 ? set[0]! : ctx.hint && set.includes(ctx.hint) ? ctx.hint : textOnly;
  return { set, currency, fromText: currency !== null && currency === textOnly };
}

/** Same-length normalisation, so indices found in it are valid in the original text. */
function normalize(text: string): string {
  return text
    .replace(/[\u00A0\u2000-\u200B\u202F\u205F\u3000\u200E\u200F\u061C\u2066-\u2069]/g, ' ')
    .replace(/[٠-٩]/g, (d) => String(d.charCodeAt(0) - 0x0660))
    .replace(/[۰-۹]/g, (d) => String(d.charCodeAt(0) - 0x06f0))
    .replace(/[０-９]/g, (d) => String(d.charCodeAt(0) - 0xff10))
    .replace(/[०-९]/g, (d) => String(d.charCodeAt(0) - 0x0966))
    .replace(/[০-৯]/g, (d) => String(d.charCodeAt(0) - 0x09e6))
    .replace(/٫/g, '.')
    .replace(/٬/g, ',');
}

function readToken(s: string, start: number, num: string, prevEnd: number, ctx: Ctx): Token {
  let pos = start + num.length;
  const t: Token = {
    start,
    end: pos,
    rawStart: start,
    rawEnd: pos,
    num,
    extraFrac: null,
    integerOnly: false,
    markers: [],
    notPrice: false,
    ambiguous: false,
  };
  const { groups, seps } = splitNum(num);
  const sticky = (re: RegExp) => {
    re.lastIndex = pos;
    return re.exec(s);
  };
  let split: RegExpExecArray | null = null;
  const dash = sticky(DASH_RE);
  const sup = dash || groupedInteger(groups, seps) === null ? null : sticky(SUP_RE);
  // "$119. 95": a decimal mark, a space, two digits. Only a grouped integer that does not already
  // use that mark as grouping can own a decimal part; the rest is decided once markers are known.
  // ("$59.99, 10 left" and "1,299, 12 months" are a comma after a whole amount, not a decimal mark).
  const dec = dash || sup || groupedInteger(groups, seps) === null ? null : sticky(SPLIT_DEC_RE);
  const splitDec = dec && !(seps as string[]).includes(dec[1]!) ? dec : null;
  // Two digits right after "<digit>, " whose split read was declined ("1,837, 32 €") may be the
  // cents of the number before: never an amount of their own.
  if (!splitDec && /^\d{2}$/.test(num) && /\d[.,] {1,2}$/.test(s.slice(Math.max(0, start - 4), start))) {
    t.ambiguous = true;
    t.reason = 'split_decimal';
  }
  if (splitDec) {
    pos += splitDec[0].length;
    t.integerOnly = true;
    t.extraFrac = splitDec[2]!;
  } else if (dash) {
    t.integerOnly = true;
    pos += dash[0].length;
  } else if (sup) {
    t.integerOnly = true;
    t.extraFrac = sup[1] ?? sup[2]!;
    pos += sup[0].length;
  } else if (groupedInteger(groups, seps) !== null) split = sticky(SPLIT_RE);
  if (sticky(PCT_RE)) t.notPrice = true;

  let neg = signBefore(s, start);
  const preHit = findMarker(s, neg ? start - 1 : start, 'before', ctx);
  // A marker already used as the previous amount's suffix is not ours ("10 € 20 €").
  const pre = preHit && preHit.start >= prevEnd ? preHit : null;
  if (pre) {
    t.markers.push(pre.marker);
    t.rawStart = pre.start;
    neg ||= signBefore(s, pre.start);
  }
  if (splitDec && !t.ambiguous) {
    // Whole when a currency sign follows the two digits ("118, 99 TL"), or when a prefix sign
    // leads and no word follows ("$119. 95"); "$119. 95 left" stays unread.
    const after = findMarker(s, pos, 'after', ctx);
    if (!after && !(pre && NOTHING_WORDY.test(s.slice(pos)))) {
      t.ambiguous = true;
      t.reason = 'split_decimal';
    }
  }
  if (split) {
    // "$ 31 57": cents only when the currency frames it and no word follows ("$10 20 items")
    const after = pos + split[0].length;
    const suf = findMarker(s, after, 'after', ctx);
    if (suf || (pre && /^\s*(?:$|[.,](?!\d)|[^\s\p{L}\p{N}%.,])/u.test(s.slice(after)))) {
      t.integerOnly = true;
      t.extraFrac = split[1]!;
      pos = after;
    } else {
      // "$ 31 57 each": 31 or 31.57? Neither is safe.
      t.ambiguous = true;
      t.reason = 'split_cents';
    }
  }
  t.end = t.rawEnd = pos;
  const suf = findMarker(s, pos, 'after', ctx);
  if (suf) {
    const rest = s.slice(suf.end);
    const glued = suf.start === pos && !pre && !t.integerOnly;
    // "49€90", "35€ 99" (French style): a euro sign glued to the amount and followed by exactly two
    // digits stands for the decimal mark, unless those digits carry their own sign ("35€ 99€").
    const cents =
      glued && suf.marker.dflt === 'EUR' && groupedInteger(groups, seps) !== null
        ? /^( ?)(\d{2})(?![\d]|[.,'’‘]\d)/.exec(rest)
        : null;
    const centsEnd = cents ? suf.end + cents[0].length : -1;
    if (cents && !findMarker(s, centsEnd, 'after', ctx)) {
      t.integerOnly = true;
      t.extraFrac = cents[2]!;
      t.markers.push(suf.marker);
      t.rawEnd = centsEnd;
      // "35€ 99 reviews": digits after a spaced sign may be something else entirely
      if (cents[1] && !NOTHING_WORDY.test(s.slice(centsEnd))) {
        t.ambiguous = true;
        t.reason = 'sign_between_digits';
      }
    } else if (glued && /^\d/.test(rest)) {
      // "1250€600": a sign between digits that are not two cents. 1250? 600? 1250.600? None is
      // safe, and the digits after it must not be read as an amount of their own either.
      t.ambiguous = true;
      t.reason = 'sign_between_digits';
      t.markers.push(suf.marker);
      t.rawEnd = suf.end + /^\d+(?:[.,'’‘ ]\d+)*/.exec(rest)![0].length;
    } else if (!(/^\d/.test(rest) || (pre && /^\s*\d/.test(rest)))) {
      // otherwise a sign glued to the next digits ("5 $299"), or followed by a digit when we already
      // have a prefix ("$10 $20"), belongs to the next amount
      t.markers.push(suf.marker);
      t.rawEnd = suf.end;
      // "9,99 $ CAD": a sign and then the ISO code that settles it
      const code = /^\s{1,2}([A-Z]{3})(?![\p{L}\d])/u.exec(rest);
      const c = code ? resolveHit(code[1]!, null, ctx) : null;
      if (code && c && !/^\s*\d/.test(rest.slice(code[0].length))) {
        t.markers.push(c);
        t.rawEnd = suf.end + code[0].length;
      }
    }
  }
  if (neg) {
    t.notPrice = true;
    t.reason = 'negative';
  }
  // Numbers glued to words are model numbers or units ("128GB", "X100", "$10k"), not prices.
  if ((t.rawEnd === pos && isWordLetter(s[pos])) || (t.rawStart === start && isWordLetter(s[start - 1])))
    t.notPrice = true;
  return t;
}

export function parsePriceDetailed(text: string, opts: ParsePriceOptions = {}): ParsedPriceDetailed {
  const none: ParsedPriceDetailed = {
    amount: null,
    currency: null,
    raw: null,
    index: -1,
    candidates: 0,
    currencyFromText: false,
  };
  if (typeof text !== 'string') return none;
  const hintRaw = opts.currencyHint?.trim().toUpperCase();
  const ctx: Ctx = {
    hint: hintRaw && isCurrencyCode(hintRaw) ? hintRaw : undefined,
    locale: opts.locale,
    cnText: /元|RMB|CN¥|人民币/.test(text),
  };
  const s = normalize(text);

  const tokens: Token[] = [];
  let prevEnd = 0;
  for (const m of s.matchAll(NUM_RE)) {
    if (m.index < prevEnd) continue; // digits already consumed as split/superscript cents
    const t = readToken(s, m.index, m[0], prevEnd, ctx);
    tokens.push(t);
    prevEnd = t.rawEnd;
  }
  // Ranges share one marker: "10–20 €", "$10-20".
  for (let i = 0; i + 1 < tokens.length; i++) {
    const [a, b] = [tokens[i]!, tokens[i + 1]!];
    if (!RANGE_GAP.test(s.slice(a.rawEnd, b.rawStart))) continue;
    if (a.markers.length && !b.markers.length) b.markers = a.markers;
    else if (!a.markers.length && b.markers.length) a.markers = b.markers;
  }

  const finish = (
    t: Token,
    set: string[],
    currency: string | null,
  ): { amount: string; zero: boolean } | { reason: ParseFailReason } => {
    if (t.ambiguous) return { reason: t.reason ?? 'split_cents' };
    const r = interpret(t, currency ? [currency] : set, ctx);
    if ('reason' in r) return r;
    const frac = r.frac.replace(/0+$/, '');
    const exps = (currency ? [currency] : set).map(currencyExponent);
    if (exps.length && frac.length > Math.max(...exps)) return { reason: 'too_many_decimals' };
    return {
      amount: r.whole.replace(/^0+(?=\d)/, '') + (r.frac ? '.' + r.frac : ''),
      zero: /^[0.]+$/.test(r.whole + r.frac),
    };
  };
  const unread = (t: Token, reason: ParseFailReason, candidates: number): ParsedPriceDetailed => ({
    ...none,
    raw: text.slice(t.rawStart, t.rawEnd),
    index: t.rawStart,
    candidates,
    reason,
  });
  const read = (
    t: Token,
    amount: string,
    currency: string | null,
    fromText: boolean,
    candidates: number,
  ): ParsedPriceDetailed => ({
    amount,
    currency,
    raw: text.slice(t.rawStart, t.rawEnd),
    index: t.rawStart,
    candidates,
    currencyFromText: fromText,
    ...(currency === null && t.markers.length > 0 ? { unsettledSign: true as const } : {}),
  });

  // Currency-marked amounts: the first price-like one wins; zero amounts are never MAP prices.
  const markedAll = tokens
    .filter((t) => t.markers.length && !t.notPrice)
    .map((t) => {
      const cur = resolveCurrency(t.markers, ctx);
      const res: ReturnType<typeof finish> = t.markers.some((m) => m.unsupported)
        ? { reason: 'unsupported_currency' }
        : cur.set.length === 0
          ? { reason: 'conflicting_currency' }
          : finish(t, cur.set, cur.currency);
      return { t, cur, res };
    });
  // zero amounts and retired units are skipped: a later amount may still be the price
  const skipped = (r: ReturnType<typeof finish>) =>
    ('zero' in r && r.zero) || ('reason' in r && r.reason === 'unsupported_currency');
  const marked = markedAll.filter((c) => !skipped(c.res));
  const first = marked[0];
  if (first) {
    const r = first.res;
    return 'reason' in r
      ? unread(first.t, r.reason, marked.length)
      : read(first.t, r.amount, first.cur.currency, first.cur.fromText, marked.length);
  }
  const why = (reason: ParseFailReason): ParsedPriceDetailed => ({ ...none, reason });
  if (markedAll.length > 0) return why('reason' in markedAll[0]!.res ? markedAll[0]!.res.reason : 'zero');

  // No marker anywhere: a bare number counts only when it is the whole text ("1299.00").
  const trimmed = s.trim();
  const bare = tokens.find((t) => !t.notPrice && s.slice(t.start, t.end) === trimmed);
  if (!bare) {
    if (tokens.length === 0) return why(FREE.test(s) ? 'free' : 'no_amount');
    const refused = tokens.find((t) => t.notPrice && t.reason);
    if (refused?.reason) return why(refused.reason);
    return why(tokens.some((t) => !t.notPrice) ? 'no_currency_marker' : 'no_amount');
  }
  const res = finish({ ...bare, ambiguous: false }, ctx.hint ? [ctx.hint] : [], ctx.hint ?? null);
  if ('reason' in res) return { ...why(res.reason), candidates: 1 };
  if (res.zero) return why('zero');
  return read(bare, res.amount, ctx.hint ?? null, false, 1);
}

export function parsePrice(text: string, opts: ParsePriceOptions = {}): ParsedPrice {
  const { amount, currency } = parsePriceDetailed(text, opts);
  return { amount, currency };
}
