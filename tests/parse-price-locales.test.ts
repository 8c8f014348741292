/**
 * Price strings as storefronts in many markets show them (issue 11, item 9). Two parts:
 *
 * 1. FORMATS: for each currency, the ways its storefronts write an amount (symbol side, grouping,
 *    decimal mark, spaces), each applied to a ladder of amounts. The expected amount is computed
 *    from the ladder, not typed by hand, so a format either reads every amount whole or fails.
 * 2. CASES: hand-written strings for what the formats do not cover: Arabic and Persian words and
 *    digits, Cyrillic abbreviations, leading-dot decimals, split decimals, the euro sign as decimal
 *    mark, "from"/"ab"/"à partir de", incl./excl. VAT pairs, zero and "Free", and every way a
 *    string fails (each with its reason).
 *
 * The rule checked on every row: the parser returns the whole amount or null with a reason, never
 * a part of the number.
 */
import { describe, expect, it } from 'vitest';
import { parsePriceDetailed, type ParseFailReason, type ParsePriceOptions } from '../src/normalize/parse-price.js';

const NBSP = '\u00A0';
const NNBSP = '\u202F';
const THIN = '\u2009';

/** An amount as whole digits and fraction digits ("1234567", "89"). */
type Amount = [whole: string, frac: string];
const LADDER_2: Amount[] = [
  ['9', '99'],
  ['49', '90'],
  ['129', '00'],
  ['1299', '50'],
  ['12345', '67'],
  ['1234567', '89'],
];
const LADDER_0: Amount[] = [
  ['99', ''],
  ['1299', ''],
  ['12990', ''],
  ['129900', ''],
  ['1299000', ''],
];
const LADDER_3: Amount[] = [
  ['1', '250'],
  ['12', '500'],
  ['1299', '000'],
  ['12345', '675'],
];

function group(whole: string, sep: string, indian = false): string {
  if (!sep) return whole;
  if (indian && whole.length > 3) {
    const head = whole.slice(0, -3);
    const parts: string[] = [];
    for (let i = head.length; i > 0; i -= 2) parts.unshift(head.slice(Math.max(0, i - 2), i));
    return `${parts.join(sep)}${sep}${whole.slice(-3)}`;
  }
  return whole.replace(/\B(?=(\d{3})+(?!\d))/g, sep);
}

interface Format {
  /** "{n}" is replaced by the formatted number. */
  pattern: string;
  group: string;
  decimal: string;
  /** Drop the fraction when it is all zeros ("1.299 €" rather than "1.299,00 €"). */
  wholeOnly?: boolean;
  indian?: boolean;
  opts?: ParsePriceOptions;
  /** Amount ladder: 2 decimals unless stated. */
  ladder?: Amount[];
  /** Currency the parser must report (null: the text alone cannot tell). */
  expect: string | null;
}

const f = (pattern: string, grp: string, dec: string, expect: string | null, more: Partial<Format> = {}): Format => ({
  pattern,
  group: grp,
  decimal: dec,
  expect,
  ...more,
});
const hint = (currencyHint: string, locale?: string): { opts: ParsePriceOptions } => ({
  opts: { currencyHint, ...(locale ? { locale } : {}) },
});

/** How storefronts in each market write prices. */
const FORMATS: Record<string, Format[]> = {
  USD: [
    f('${n}', ',', '.', 'USD', hint('USD')),
    f('US${n}', ',', '.', 'USD'),
    f('US $ {n}', ',', '.', 'USD'),
    f('USD {n}', ',', '.', 'USD'),
    f('{n} USD', ',', '.', 'USD'),
    f('${n}', ',', '.', null), // a bare $ with no site currency: amount, no currency
  ],
  CAD: [
    f('${n}', ',', '.', 'CAD', hint('CAD')),
    f('C${n}', ',', '.', 'CAD'),
    f('CA$ {n}', ',', '.', 'CAD'),
    f(`{n}${NBSP}$`, NBSP, ',', 'CAD', hint('CAD', 'fr-CA')),
    f('{n} $ CAD', ' ', ',', 'CAD'),
  ],
  AUD: [f('${n}', ',', '.', 'AUD', hint('AUD')), f('A${n}', ',', '.', 'AUD'), f('AU$ {n}', ',', '.', 'AUD')],
  NZD: [f('NZ${n}', ',', '.', 'NZD'), f('${n} NZD', ',', '.', 'NZD')],
  MXN: [f('${n}', ',', '.', 'MXN', hint('MXN')), f('MX${n}', ',', '.', 'MXN'), f('${n} MXN', ',', '.', 'MXN')],
  BRL: [f('R$ {n}', '.', ',', 'BRL'), f('R${n}', '.', ',', 'BRL'), f(`R$${NBSP}{n}`, '.', ',', 'BRL')],
  ARS: [f('$ {n}', '.', ',', 'ARS', hint('ARS')), f('ARS {n}', '.', ',', 'ARS')],
  CLP: [
    f('${n}', '.', ',', 'CLP', { ...hint('CLP'), ladder: LADDER_0 }),
    f('$ {n} CLP', '.', ',', 'CLP', { ladder: LADDER_0 }),
  ],
  COP: [f('$ {n}', '.', ',', 'COP', { ...hint('COP'), wholeOnly: true, ladder: LADDER_0 })],
  PEN: [
    f('S/ {n}', ',', '.', 'PEN'),
    f('S/. {n}', ',', '.', 'PEN'),
    f('PEN {n}', ',', '.', 'PEN', hint('PEN')) /* PEN is also an English word */,
  ],
  EUR: [
    f('{n} €', '.', ',', 'EUR'),
    f(`{n}${NBSP}€`, '.', ',', 'EUR'),
    f(`{n}${NNBSP}€`, NNBSP, ',', 'EUR'), // French: narrow no-break space grouping
    f(`{n} €`, ' ', ',', 'EUR'),
    f('€ {n}', '.', ',', 'EUR'), // Dutch
    f('€{n}', ',', '.', 'EUR'), // Irish
    f('{n} EUR', '.', ',', 'EUR'),
    f('EUR {n}', '.', ',', 'EUR'),
    f('{n} Euro', '.', ',', 'EUR'),
    f(`{n}${THIN}€`, THIN, ',', 'EUR'),
  ],
  GBP: [f('£{n}', ',', '.', 'GBP'), f('£ {n}', ',', '.', 'GBP'), f('GBP {n}', ',', '.', 'GBP')],
  CHF: [
    f('CHF {n}', "'", '.', 'CHF'),
    f('CHF {n}', '’', '.', 'CHF'),
    f('Fr. {n}', "'", '.', 'CHF'),
    f('{n} CHF', ' ', '.', 'CHF'),
  ],
  SEK: [
    f('{n} kr', ' ', ',', 'SEK', hint('SEK')),
    f('{n} SEK', ' ', ',', 'SEK'),
    f('{n}:-', ' ', ',', 'SEK', { ...hint('SEK'), ladder: LADDER_0 }),
  ],
  NOK: [
    f('kr {n}', ' ', ',', 'NOK', hint('NOK')),
    f('{n} kr', ' ', ',', 'NOK', hint('NOK')),
    f('NOK {n}', ' ', ',', 'NOK'),
  ],
  DKK: [
    f('{n} kr.', '.', ',', 'DKK', hint('DKK')),
    f('DKK {n}', '.', ',', 'DKK'),
    f('kr. {n}', '.', ',', 'DKK', hint('DKK')),
  ],
  ISK: [
    f('{n} kr.', '.', ',', 'ISK', { ...hint('ISK'), ladder: LADDER_0 }),
    f('{n} ISK', '.', ',', 'ISK', { ladder: LADDER_0 }),
  ],
  PLN: [f('{n} zł', ' ', ',', 'PLN'), f(`{n}${NBSP}zł`, NBSP, ',', 'PLN'), f('{n} PLN', ' ', ',', 'PLN')],
  CZK: [f('{n} Kč', ' ', ',', 'CZK'), f(`{n}${NBSP}Kč`, NBSP, ',', 'CZK'), f('{n} CZK', ' ', ',', 'CZK')],
  HUF: [
    f('{n} Ft', ' ', ',', 'HUF', { ladder: LADDER_0 }),
    f('{n} Ft', '.', ',', 'HUF', { ladder: LADDER_0 }),
    f('{n} HUF', ' ', ',', 'HUF', { ladder: LADDER_0 }),
  ],
  RON: [f('{n} lei', '.', ',', 'RON'), f('{n} Lei', '.', ',', 'RON'), f('{n} RON', '.', ',', 'RON')],
  BGN: [f('{n} лв.', ' ', ',', 'BGN'), f('{n} лв', ' ', ',', 'BGN'), f('{n} BGN', ' ', ',', 'BGN')],
  RUB: [
    f('{n} ₽', ' ', ',', 'RUB'),
    f('{n} руб.', ' ', ',', 'RUB'),
    f('{n} р.', ' ', ',', 'RUB'),
    f('{n} Р', ' ', ',', 'RUB'), // Cyrillic capital Er, the ruble's informal sign
    f(`{n}${NBSP}₽`, NBSP, ',', 'RUB'),
  ],
  UAH: [f('{n} грн', ' ', ',', 'UAH'), f('{n} ₴', ' ', ',', 'UAH'), f('₴{n}', ' ', ',', 'UAH')],
  BYN: [
    f('{n} р.', ' ', ',', 'BYN', hint('BYN')),
    f('{n} Br', ' ', ',', 'BYN', hint('BYN')),
    f('{n} BYN', ' ', ',', 'BYN'),
  ],
  KZT: [f('{n} ₸', ' ', ',', 'KZT'), f('{n} тг.', ' ', ',', 'KZT'), f('{n} тенге', ' ', ',', 'KZT')],
  TRY: [f('{n} TL', '.', ',', 'TRY'), f('₺{n}', '.', ',', 'TRY'), f('{n} ₺', '.', ',', 'TRY')],
  ILS: [f('₪ {n}', ',', '.', 'ILS'), f('{n} ₪', ',', '.', 'ILS'), f('{n} ש"ח', ',', '.', 'ILS')],
  SAR: [
    f('{n} ر.س', ',', '.', 'SAR'),
    f('ر.س {n}', ',', '.', 'SAR'),
    f('SAR {n}', ',', '.', 'SAR'),
    f('{n} ريال', ',', '.', 'SAR', hint('SAR')),
  ],
  AED: [f('د.إ {n}', ',', '.', 'AED'), f('AED {n}', ',', '.', 'AED'), f('{n} درهم', ',', '.', 'AED', hint('AED'))],
  QAR: [f('ر.ق {n}', ',', '.', 'QAR'), f('QAR {n}', ',', '.', 'QAR'), f('{n} ريال', ',', '.', 'QAR', hint('QAR'))],
  KWD: [
    f('د.ك {n}', ',', '.', 'KWD', { ladder: LADDER_3 }),
    f('KWD {n}', ',', '.', 'KWD', { ladder: LADDER_3 }),
    f('{n} دينار', ',', '.', 'KWD', { ...hint('KWD'), ladder: LADDER_3 }),
  ],
  BHD: [f('BHD {n}', ',', '.', 'BHD', { ladder: LADDER_3 }), f('د.ب {n}', ',', '.', 'BHD', { ladder: LADDER_3 })],
  OMR: [f('OMR {n}', ',', '.', 'OMR', { ladder: LADDER_3 }), f('ر.ع {n}', ',', '.', 'OMR', { ladder: LADDER_3 })],
  EGP: [
    f('E£{n}', ',', '.', 'EGP'),
    f('{n} ج.م', ',', '.', 'EGP'),
    f('{n} جنيه', ',', '.', 'EGP', hint('EGP')),
    f('EGP {n}', ',', '.', 'EGP'),
  ],
  MAD: [
    f('{n} DH', ' ', ',', 'MAD'),
    f('{n} MAD', ' ', ',', 'MAD', hint('MAD')) /* MAD is also an English word */,
    f('{n} درهم', ' ', ',', 'MAD', hint('MAD')),
  ],
  IRR: [f('{n} ریال', ',', '.', 'IRR', { ladder: LADDER_0 }), f('IRR {n}', ',', '.', 'IRR', { ladder: LADDER_0 })],
  INR: [
    f('₹{n}', ',', '.', 'INR', { indian: true }),
    f('₹ {n}', ',', '.', 'INR', { indian: true }),
    f('Rs. {n}', ',', '.', 'INR', { indian: true }),
    f('INR {n}', ',', '.', 'INR', { indian: true }),
    f('{n}', ',', '.', 'INR', { indian: true, ...hint('INR') }),
  ],
  PKR: [
    f('Rs {n}', ',', '.', 'PKR', hint('PKR')),
    f('PKR {n}', ',', '.', 'PKR'),
    f('₨ {n}', ',', '.', 'PKR', hint('PKR')),
  ],
  LKR: [f('Rs. {n}', ',', '.', 'LKR', hint('LKR')), f('LKR {n}', ',', '.', 'LKR')],
  BDT: [f('৳{n}', ',', '.', 'BDT'), f('৳ {n}', ',', '.', 'BDT', { indian: true })],
  JPY: [
    f('¥{n}', ',', '.', 'JPY', { ladder: LADDER_0 }),
    f('￥{n}', ',', '.', 'JPY', { ladder: LADDER_0 }),
    f('{n}円', ',', '.', 'JPY', { ladder: LADDER_0 }),
    f('{n}円(税込)', ',', '.', 'JPY', { ladder: LADDER_0 }),
  ],
  CNY: [
    f('¥{n}', ',', '.', 'CNY', hint('CNY')),
    f('{n}元', ',', '.', 'CNY'),
    f('RMB {n}', ',', '.', 'CNY'),
    f('CN¥{n}', ',', '.', 'CNY'),
  ],
  KRW: [f('₩{n}', ',', '.', 'KRW', { ladder: LADDER_0 }), f('{n}원', ',', '.', 'KRW', { ladder: LADDER_0 })],
  TWD: [f('NT${n}', ',', '.', 'TWD', { ladder: LADDER_0 }), f('NT$ {n}', ',', '.', 'TWD', { ladder: LADDER_0 })],
  HKD: [f('HK${n}', ',', '.', 'HKD'), f('HKD {n}', ',', '.', 'HKD')],
  SGD: [f('S${n}', ',', '.', 'SGD'), f('SGD {n}', ',', '.', 'SGD'), f('${n}', ',', '.', 'SGD', hint('SGD'))],
  MYR: [f('RM{n}', ',', '.', 'MYR'), f('RM {n}', ',', '.', 'MYR')],
  IDR: [f('Rp {n}', '.', ',', 'IDR', { wholeOnly: true }), f('Rp{n}', '.', ',', 'IDR')],
  THB: [f('฿{n}', ',', '.', 'THB'), f('{n} บาท', ',', '.', 'THB'), f('THB {n}', ',', '.', 'THB')],
  VND: [
    f('{n} ₫', '.', ',', 'VND', { ladder: LADDER_0 }),
    f('{n}đ', '.', ',', 'VND', { ladder: LADDER_0 }),
    f('{n} VNĐ', '.', ',', 'VND', { ladder: LADDER_0 }),
  ],
  PHP: [f('₱{n}', ',', '.', 'PHP'), f('PHP {n}', ',', '.', 'PHP')],
  ZAR: [
    f('R {n}', ' ', ',', 'ZAR', hint('ZAR')),
    f('R{n}', ',', '.', 'ZAR', hint('ZAR')),
    f('ZAR {n}', ',', '.', 'ZAR'),
  ],
  NGN: [f('₦{n}', ',', '.', 'NGN'), f('NGN {n}', ',', '.', 'NGN')],
  KES: [f('KSh {n}', ',', '.', 'KES'), f('KES {n}', ',', '.', 'KES')],
  GHS: [f('GH₵ {n}', ',', '.', 'GHS'), f('GHS {n}', ',', '.', 'GHS')],
};

interface Row {
  text: string;
  opts: ParsePriceOptions;
  amount: string | null;
  currency: string | null;
  reason?: ParseFailReason;
}

function expand(): Row[] {
  const rows: Row[] = [];
  for (const fmts of Object.values(FORMATS)) {
    for (const fm of fmts) {
      for (const [whole, frac] of fm.ladder ?? LADDER_2) {
        if (fm.wholeOnly && !/^0*$/.test(frac)) continue; // such stores never show these cents
        const showFrac = frac !== '' && !fm.wholeOnly;
        const n = group(whole, fm.group, fm.indian) + (showFrac ? fm.decimal + frac : '');
        rows.push({
          text: fm.pattern.replace('{n}', n),
          opts: fm.opts ?? {},
          amount: showFrac ? `${whole}.${frac}` : whole,
          currency: fm.expect,
        });
      }
    }
  }
  return rows;
}

const r = (
  text: string,
  opts: ParsePriceOptions,
  amount: string | null,
  currency: string | null,
  reason?: ParseFailReason,
): Row => ({ text, opts, amount, currency, ...(reason ? { reason } : {}) });
const no = (text: string, reason: ParseFailReason, opts: ParsePriceOptions = {}): Row =>
  r(text, opts, null, null, reason);

/** Hand-written cases: what the format ladder cannot express. */
const CASES: Row[] = [
  // Eastern Arabic (U+0660) and Persian (U+06F0) digits, Arabic decimal and thousands marks
  r('١٬٢٩٩٫٠٠ ر.س', {}, '1299.00', 'SAR'),
  r('٩٩ ر.س', {}, '99', 'SAR'),
  r('د.إ ١٬٢٩٩', {}, '1299', 'AED'),
  r('١٢٫٥٠٠ د.ك', {}, '12.500', 'KWD'),
  r('۱۲۹٬۰۰۰ ریال', {}, '129000', 'IRR'),
  r('۴۹۰۰۰ ریال', {}, '49000', 'IRR'),
  r('١٢٩ جنيه', { currencyHint: 'EGP' }, '129', 'EGP'),
  r('٢٥٠ درهم', { currencyHint: 'AED' }, '250', 'AED'),
  r('٢٥٠ ريال', {}, '250', null), // riyal of which country? only the site says
  r('٢٥٠ دينار', {}, '250', null),
  r('1,500 ليرة', { currencyHint: 'LBP' }, '1500', 'LBP'),
  r('السعر: ٣٤٩ ر.س شامل الضريبة', {}, '349', 'SAR'),
  no('۱۲۰٬۰۰۰ تومان', 'unsupported_currency'), // toman = 10 rials: reading it as IRR misstates it
  // Devanagari and Bengali digits
  r('₹१,२९९', {}, '1299', 'INR'),
  r('৳১,২৯৯', {}, '1299', 'BDT'),
  // Cyrillic
  r('1 299 Р', {}, '1299', 'RUB'),
  r('1299 р.', {}, '1299', 'RUB'),
  r('1 299,50 руб.', {}, '1299.50', 'RUB'),
  r('Цена: 4 240 ₽', {}, '4240', 'RUB'),
  r('от 3 880 ₽', {}, '3880', 'RUB'),
  r('12,50 р.', { currencyHint: 'BYN' }, '12.50', 'BYN'),
  no('Артикул 129900', 'no_currency_marker'),
  // Kn, zł, Kč, Ft
  r('99,00 € / 745,92 kn', {}, '99.00', 'EUR'), // Croatian dual display: the euro amount
  r('745,92 kn / 99,00 €', {}, '99.00', 'EUR'),
  no('745,92 kn', 'unsupported_currency'),
  r('1.299,00 zł', {}, '1299.00', 'PLN'),
  r('od 49,99 zł', {}, '49.99', 'PLN'),
  r('1.299,- Kč', {}, '1299', 'CZK'),
  r('12 990,- Kč', {}, '12990', 'CZK'),
  r('12.990 Ft', {}, '12990', 'HUF'),
  r('Ár: 4 990 Ft', {}, '4990', 'HUF'),
  // Indian grouping, apostrophes, thin spaces
  r('₹1,23,456.00', {}, '123456.00', 'INR'),
  r('Rs. 12,34,567', {}, '1234567', 'INR'),
  r('1,23,456.00', { currencyHint: 'INR' }, '123456.00', 'INR'),
  r("CHF 1'299.–", {}, '1299', 'CHF'),
  r('CHF 12’345.50', {}, '12345.50', 'CHF'),
  r(`1${THIN}299,00${THIN}€`, {}, '1299.00', 'EUR'),
  r(`1${NNBSP}299${NNBSP}€`, {}, '1299', 'EUR'),
  no('1,234,56 €', 'bad_grouping'),
  // leading-dot decimals
  r('$.99', { currencyHint: 'USD' }, '0.99', 'USD'),
  r('.99 €', {}, '0.99', 'EUR'),
  r('Price: $.49', { currencyHint: 'USD' }, '0.49', 'USD'),
  // split decimals: whole, or null with a reason, never a part of the number
  r('$119. 95', { currencyHint: 'USD' }, '119.95', 'USD'),
  r('118, 99 TL', {}, '118.99', 'TRY'),
  r('1.837, 32 €', {}, '1837.32', 'EUR'),
  r('1.837, 32 € inkl. MwSt.', {}, '1837.32', 'EUR'),
  r('€ 12, 50', {}, '12.50', 'EUR'),
  r('R$ 1.299, 90', {}, '1299.90', 'BRL'),
  no('$119. 95 left in stock', 'split_decimal', { currencyHint: 'USD' }),
  no('1,837, 32 €', 'split_decimal'),
  r('$59.99, 10 left', { currencyHint: 'USD' }, '59.99', 'USD'), // a comma after a whole amount
  // the euro sign as decimal mark
  r('49€90', {}, '49.90', 'EUR'),
  r('35€ 99', {}, '35.99', 'EUR'),
  r('1.299€00', {}, '1299.00', 'EUR'),
  r('10€ 20€', {}, '10', 'EUR'), // two amounts, each with its own sign
  no('1250€600', 'sign_between_digits'),
  no('5€299', 'sign_between_digits'),
  no('35€ 99 avis', 'sign_between_digits'),
  // from / ab / à partir de / desde / od / от: the amount is read; whether "from" disqualifies it
  // as the selling price is the extractor's call
  r('from $10', { currencyHint: 'USD' }, '10', 'USD'),
  r('From £12.99', {}, '12.99', 'GBP'),
  r('ab 1.299,00 €', {}, '1299.00', 'EUR'),
  r('Ab 1.299,- €*', {}, '1299', 'EUR'),
  r('à partir de 49,90 €', {}, '49.90', 'EUR'),
  r('à partir de 49€90', {}, '49.90', 'EUR'),
  r('desde $ 1.299', { currencyHint: 'ARS' }, '1299', 'ARS'),
  r('a partir de R$ 99,90', {}, '99.90', 'BRL'),
  r('vanaf € 19,95', {}, '19.95', 'EUR'),
  r('a partire da 9,90 €', {}, '9.90', 'EUR'),
  // incl. / excl. VAT pairs: the first amount is the one shown
  r('£1,299.99 inc. VAT £1,083.33 ex. VAT', {}, '1299.99', 'GBP'),
  r('£1,083.33 ex. VAT £1,299.99 inc. VAT', {}, '1083.33', 'GBP'),
  r('119,00 € inkl. MwSt. 100,00 € exkl. MwSt.', {}, '119.00', 'EUR'),
  r('€119.00 incl. VAT (€100.00 excl. VAT)', {}, '119.00', 'EUR'),
  r('99,00 € TTC 82,50 € HT', {}, '99.00', 'EUR'),
  r('1.299,00 € IVA incluida', {}, '1299.00', 'EUR'),
  r('R 1 299,00 incl. VAT', { currencyHint: 'ZAR' }, '1299.00', 'ZAR'),
  // zero and Free
  no('Free', 'free'),
  no('FREE', 'free'),
  no('Gratis', 'free', { currencyHint: 'EUR' }),
  no('Gratuit', 'free'),
  no('Kostenlos', 'free'),
  no('無料', 'free'),
  no('0,00 €', 'zero'),
  no('$0.00', 'zero', { currencyHint: 'USD' }),
  no('£0', 'zero'),
  no('0', 'zero', { currencyHint: 'USD' }),
  r('0,00 € 49,90 €', {}, '49.90', 'EUR'), // a zero placeholder before the real amount
  // amounts that cannot be read whole, each with its reason
  no('1,299', 'ambiguous_separator'),
  no('0,899 €', 'too_many_decimals'),
  no('12.5', 'too_many_decimals', { currencyHint: 'JPY' }),
  no('$1299.999', 'too_many_decimals', { currencyHint: 'USD' }),
  no('$ 31 57 each', 'split_cents', { currencyHint: 'USD' }),
  no('$19.99 EUR', 'conflicting_currency'),
  no('-$10.00', 'negative', { currencyHint: 'USD' }),
  no('−12,99 €', 'negative'),
  no('Price: 49,90', 'no_currency_marker'),
  no('In stock: 3 items', 'no_currency_marker', { currencyHint: 'USD' }),
  no('Call for price', 'no_amount'),
  no('', 'no_amount'),
  no('25.000 IQD', 'ambiguous_separator'),
];

const ALL = [...expand(), ...CASES];

describe('price strings in every locale', () => {
  it.each(ALL.map((x) => [x.text, x.opts, x.amount, x.currency, x.reason ?? '-'] as const))(
    '%j %j -> %s %s (%s)',
    (text, opts, amount, currency, reason) => {
      const d = parsePriceDetailed(text, opts);
      if (amount === null) {
        expect({ amount: d.amount, reason: d.reason }).toEqual({ amount: null, reason });
      } else {
        expect({ amount: d.amount === null ? null : Number(d.amount), currency: d.currency }).toEqual({
          amount: Number(amount),
          currency,
        });
        expect(d.reason).toBeUndefined();
      }
    },
  );

  it('every amount it refuses carries a reason, and no read is a part of the written number', () => {
    for (const row of ALL) {
      const d = parsePriceDetailed(row.text, row.opts);
      if (d.amount === null) expect(d.reason, row.text).toBeDefined();
      else {
        // the digits of the amount read are all the digits of the matched token, in order
        const digits = (d.raw ?? '')
          .replace(/<\/?sup>/g, '')
          .replace(/[٠-٩]/g, (c) => String(c.charCodeAt(0) - 0x0660))
          .replace(/[۰-۹]/g, (c) => String(c.charCodeAt(0) - 0x06f0))
          .replace(/[०-९]/g, (c) => String(c.charCodeAt(0) - 0x0966))
          .replace(/[০-৯]/g, (c) => String(c.charCodeAt(0) - 0x09e6))
          .replace(/\D/g, '');
        expect(d.amount.replace(/\D/g, '').replace(/^0+(?=\d)/, ''), row.text).toBe(digits.replace(/^0+(?=\d)/, ''));
      }
    }
  });
});
