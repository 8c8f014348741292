import { describe, expect, it } from 'vitest';
import { parsePrice, parsePriceDetailed, type ParsePriceOptions } from '../src/normalize/parse-price.js';

type Case = [text: string, opts: ParsePriceOptions, amount: string | null, currency: string | null];

const NBSP = '\u00A0';
const NNBSP = '\u202F';
const NONE = [null, null] as const;

// [input, options, expected amount, expected currency]
const CASES: Case[] = [
  // --- the forms named in the brief ---
  ['1.299,00 €', {}, '1299.00', 'EUR'],
  ['$1,299.99', { currencyHint: 'USD' }, '1299.99', 'USD'],
  ['$1,299.99', {}, '1299.99', null], // bare $ without a hint: the site default decides, not us
  ["CHF 1'299.–", {}, '1299', 'CHF'],
  ['1 299,00 zł', {}, '1299.00', 'PLN'],
  [`1${NBSP}299,00${NBSP}zł`, {}, '1299.00', 'PLN'],
  [`1${NNBSP}299,00${NNBSP}zł`, {}, '1299.00', 'PLN'],
  ['131 990 тг.', {}, '131990', 'KZT'],
  ['5 000 тенге', {}, '5000', 'KZT'],
  ['₸ 12 500', {}, '12500', 'KZT'],
  ['¥1,299', {}, '1299', 'JPY'],
  ['Rs. 1,299', {}, '1299', 'INR'],
  ['from £12', {}, '12', 'GBP'],
  ['12,-', {}, '12', null],
  ['12,-', { currencyHint: 'EUR' }, '12', 'EUR'],
  ['EUR 29.66 (inc VAT)', {}, '29.66', 'EUR'],
  ['US $649.99', {}, '649.99', 'USD'],
  ['US$649.99', {}, '649.99', 'USD'],
  ['C$ 19.99', {}, '19.99', 'CAD'],
  ['CA$19.99', {}, '19.99', 'CAD'],
  ['A$ 29.95', {}, '29.95', 'AUD'],
  ['AU$29.95', {}, '29.95', 'AUD'],
  ['NZ$ 49.00', {}, '49.00', 'NZD'],
  ['HK$1,299', {}, '1299', 'HKD'],
  ['S$ 12.90', {}, '12.90', 'SGD'],
  ['R$ 1.299,90', {}, '1299.90', 'BRL'],
  ['1.299 kr', { currencyHint: 'SEK' }, '1299', 'SEK'],
  ['1.299 kr', {}, '1299', null], // kr is SEK/NOK/DKK/ISK: no hint, no currency
  ['kr 1 299,-', { currencyHint: 'NOK' }, '1299', 'NOK'],
  ['1.299,95 kr.', { currencyHint: 'DKK' }, '1299.95', 'DKK'],
  ['12.990 kr.', { currencyHint: 'ISK' }, '12990', 'ISK'],
  ['₹1,299', {}, '1299', 'INR'],
  ['₩12,000', {}, '12000', 'KRW'],
  ['12.000원', {}, '12000', 'KRW'],
  ['12.345 ₫', {}, '12345', 'VND'],
  ['12.345đ', {}, '12345', 'VND'],
  ['Fr. 49.90', {}, '49.90', 'CHF'],
  ['49.90 Fr.', {}, '49.90', 'CHF'],
  ['SFr. 49.90', {}, '49.90', 'CHF'],
  ['49,90 zł', {}, '49.90', 'PLN'],
  ['1 299 Kč', {}, '1299', 'CZK'],
  ['12 990 Ft', {}, '12990', 'HUF'],
  ['173,34 lei', {}, '173.34', 'RON'],
  ['1.299,00 Lei', {}, '1299.00', 'RON'],
  ['1.299,90 TL', {}, '1299.90', 'TRY'],
  ['₺1.299,90', {}, '1299.90', 'TRY'],
  ['1 299 руб.', {}, '1299', 'RUB'],
  ['1 299 ₽', {}, '1299', 'RUB'],
  ['99 ر.س', {}, '99', 'SAR'],
  ['ر.س 1,299', {}, '1299', 'SAR'],
  ['SR 99', {}, '99', 'SAR'],
  ['د.إ 1,299', {}, '1299', 'AED'],
  ['1,299.00 AED', {}, '1299.00', 'AED'],
  ['€ 1.234.567,89', {}, '1234567.89', 'EUR'],
  ['1,234,567.89', {}, '1234567.89', null],
  ['12.5', {}, '12.5', null],
  ['0,99 €', {}, '0.99', 'EUR'],
  ['1,23,456.00', { currencyHint: 'INR' }, '123456.00', 'INR'],
  ['₹1,23,456', {}, '123456', 'INR'],
  ['₹ 12,34,56,789.50', {}, '123456789.50', 'INR'],
  ["CHF 1'299.00", {}, '1299.00', 'CHF'],
  ['CHF 1’299.00', {}, '1299.00', 'CHF'], // right single quote grouping
  ['Price: $49.99 $59.99', { currencyHint: 'USD' }, '49.99', 'USD'],
  ['Was $59.99 Now $49.99', { currencyHint: 'USD' }, '59.99', 'USD'],

  // --- split / superscript cents ---
  ['$ 31 57', { currencyHint: 'USD' }, '31.57', 'USD'],
  ['31 57 €', {}, '31.57', 'EUR'],
  ['173<sup>34</sup> Lei', {}, '173.34', 'RON'],
  ['173^34 Lei', {}, '173.34', 'RON'],
  ['$49<sup>99</sup>', { currencyHint: 'USD' }, '49.99', 'USD'],
  ['1.299<sup>00</sup> €', {}, '1299.00', 'EUR'],
  ['49€90', {}, '49.90', 'EUR'], // French style: the symbol sits where the comma would
  ['$ 31 57 each', { currencyHint: 'USD' }, ...NONE], // 31 or 31.57? refuse to guess
  ['$10 20 items', { currencyHint: 'USD' }, ...NONE],

  // --- separator structure ---
  ['1.299', { currencyHint: 'EUR' }, '1299', 'EUR'],
  ['1.299', { locale: 'de-DE' }, '1299', null],
  ['1,299', { locale: 'en-US' }, '1299', null],
  ['1,299', { currencyHint: 'EUR' }, '1299', 'EUR'], // 3 decimals are impossible in EUR
  ['1,299', {}, ...NONE], // no currency, no locale: genuinely ambiguous
  ['12,50', {}, '12.50', null],
  ['1,5', {}, '1.5', null],
  ['1.234.567', { currencyHint: 'EUR' }, '1234567', 'EUR'],
  ['1.234.567 ₫', {}, '1234567', 'VND'],
  ['1.299', { currencyHint: 'JPY' }, '1299', 'JPY'],
  ['¥1.299', {}, '1299', 'JPY'],
  ['1,299', { locale: 'fr-FR' }, '1.299', null], // unknown currency, locale says ',' is decimal
  ['KWD 1.299', {}, '1.299', 'KWD'], // 3-decimal currency: '.' is its decimal mark
  ['KWD 1,299', {}, '1299', 'KWD'],
  ['1.299', { currencyHint: 'KWD', locale: 'en-KW' }, '1.299', 'KWD'],
  ['1,250 DT', {}, ...NONE], // "DT" is not a marker; bare and not the whole text
  ['25.000 IQD', {}, ...NONE], // 3-decimal currency without a known convention
  ['0,899 €', {}, ...NONE], // unit/fuel price: more decimals than EUR has
  ['1.234,567 €', {}, ...NONE],
  ['1,234,56 €', {}, ...NONE], // broken grouping
  ['€1,299', {}, '1299', 'EUR'],
  ['1299.00', { currencyHint: 'USD' }, '1299.00', 'USD'],
  ['49,90', {}, '49.90', null],
  ['  49,90  ', { currencyHint: 'EUR' }, '49.90', 'EUR'],
  ['1.299.–', { currencyHint: 'CHF' }, '1299', 'CHF'],
  ['CHF 49.–', {}, '49', 'CHF'],
  ['Rp 1.299.000', {}, '1299000', 'IDR'],
  ['Rp15.000', {}, '15000', 'IDR'],
  ['¥ 1,299.00', {}, '1299.00', 'JPY'],
  ['12.5', { currencyHint: 'JPY' }, ...NONE], // JPY has no decimals

  // --- symbol / code mapping and hints ---
  ['¥1,299 RMB', {}, '1299', 'CNY'],
  ['¥12.50', { currencyHint: 'CNY' }, '12.50', 'CNY'],
  ['1299元', {}, '1299', 'CNY'],
  ['CN¥ 1,299', {}, '1299', 'CNY'],
  ['3,980円', {}, '3980', 'JPY'],
  ['$19.99', { currencyHint: 'CAD' }, '19.99', 'CAD'],
  ['$19.99', { currencyHint: 'EUR' }, '19.99', null], // $ cannot be EUR: ambiguous, no currency
  ['$19.99 CAD', {}, '19.99', 'CAD'],
  ['CAD $19.99', {}, '19.99', 'CAD'],
  ['$1.299', { currencyHint: 'ARS' }, '1299', 'ARS'],
  ['EUR 29.66', { currencyHint: 'USD' }, '29.66', 'EUR'], // text wins over hint
  ['€12,50', { currencyHint: 'usd' }, '12.50', 'EUR'],
  ['£12', { currencyHint: 'EGP' }, '12', 'EGP'],
  ['£12', { currencyHint: 'EUR' }, '12', 'GBP'],
  ['Rs 1,299', { currencyHint: 'PKR' }, '1299', 'PKR'],
  ['49,90 Euro', {}, '49.90', 'EUR'],
  ['₪ 199.90', {}, '199.90', 'ILS'],
  ['฿1,290', {}, '1290', 'THB'],
  ['₱1,299.00', {}, '1299.00', 'PHP'],
  ['Br 12,50', { currencyHint: 'BYN' }, '12.50', 'BYN'],
  ['Br 12,50', {}, ...NONE], // "Br" alone is too weak to call a currency
  ['R 1 299,00', { currencyHint: 'ZAR' }, '1299.00', 'ZAR'],
  ['RM 129.00', {}, '129.00', 'MYR'],
  ['S/ 49.90', {}, '49.90', 'PEN'],
  ['1 299,00 грн', {}, '1299.00', 'UAH'],
  ['12 ALL', { currencyHint: 'ALL' }, '12', 'ALL'],
  ['SHOP ALL 20', {}, ...NONE], // English-word ISO codes need the hint
  ['TOP 10', {}, ...NONE],
  ['١٢٣٫٥٠ ر.س', {}, '123.50', 'SAR'], // Arabic-Indic digits
  ['EUR29.66', {}, '29.66', 'EUR'],
  ['USD 1,299.00', {}, '1299.00', 'USD'],
  ['$19.99 EUR', {}, ...NONE], // the text contradicts itself

  // --- noise, candidates, first-price-wins ---
  ['4.57 7 ratings 99 SAR', {}, '99', 'SAR'],
  ['2 for $10', { currencyHint: 'USD' }, '10', 'USD'],
  ['12 x $10', { currencyHint: 'USD' }, '10', 'USD'],
  ['$10 - $20', { currencyHint: 'USD' }, '10', 'USD'],
  ['10–20 €', {}, '10', 'EUR'],
  ['£1,299.99 inc. VAT £1,083.33 ex. VAT', {}, '1299.99', 'GBP'],
  ['29,99 € 7 ratings', {}, '29.99', 'EUR'],
  ['128GB $49', { currencyHint: 'USD' }, '49', 'USD'],
  ['AMD 5 $299', { currencyHint: 'USD' }, '299', 'USD'], // "$" glued to 299 is its prefix, not 5's suffix
  ['2 $10', { currencyHint: 'USD' }, '10', 'USD'], // never 2.10
  ['UVP 1.499 € jetzt 1.299 €', {}, '1499', 'EUR'], // first amount; was/now is the extractor's job
  ['Ab 1.299,- €*', {}, '1299', 'EUR'],
  ['$1299.999', { currencyHint: 'USD' }, ...NONE],
  ['Save 20% now $39.99', { currencyHint: 'USD' }, '39.99', 'USD'],
  ['-20% 49,90 €', {}, '49.90', 'EUR'],
  ['Price: 49,90', {}, ...NONE], // bare number that is not the whole text

  // --- no price ---
  ['', {}, ...NONE],
  ['   ', {}, ...NONE],
  ['Model 2024 in 3 colours', {}, ...NONE],
  ['Save 20%', {}, ...NONE],
  ['12,5 %', {}, ...NONE],
  ['Free', {}, ...NONE],
  ['Gratis', { currencyHint: 'EUR' }, ...NONE],
  ['0,00 €', {}, ...NONE],
  ['$0.00', { currencyHint: 'USD' }, ...NONE],
  ['0', { currencyHint: 'USD' }, ...NONE],
  ['-$10.00', { currencyHint: 'USD' }, ...NONE],
  ['−12,99 €', {}, ...NONE], // U+2212 minus
  ['€ -5', {}, ...NONE],
  ['$10k', { currencyHint: 'USD' }, ...NONE],
  ['$.99', { currencyHint: 'USD' }, '0.99', 'USD'], // leading-dot cents-only price
  ['In stock: 3 items', { currencyHint: 'USD' }, ...NONE],
  ['Call for price', { currencyHint: 'USD' }, ...NONE],
];

describe('parsePrice', () => {
  it.each(CASES)('%j %j -> %s %s', (text, opts, amount, currency) => {
    expect(parsePrice(text, opts)).toEqual({ amount, currency });
  });

  // Prices as the platform's own Intl formats them, for amounts the table does not list: the
  // exact decimal and currency come back, whatever the grouping and decimal marks (the hint is
  // the site's currency, as a site config gives it: a bare $ alone is ambiguous).
  it.each([
    ['en-US', 'USD'],
    ['en-GB', 'GBP'],
    ['de-DE', 'EUR'],
    ['fr-FR', 'EUR'],
    ['de-CH', 'CHF'],
  ])('reads back %s %s prices formatted by Intl', (locale, currency) => {
    const fmt = new Intl.NumberFormat(locale, { style: 'currency', currency, minimumFractionDigits: 2 });
    let seed = 7;
    for (let i = 0; i < 40; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const cents = (seed % 10 ** (3 + (i % 6))) + 100; // 1.00 up to about 10 million
      const text = fmt.format(cents / 100);
      const want = `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
      expect([text, parsePrice(text, { locale, currencyHint: currency })]).toEqual([text, { amount: want, currency }]);
    }
  });

  it('ignores an invalid hint and an invalid locale', () => {
    expect(parsePrice('12,50', { currencyHint: 'XYZ', locale: 'not a locale!' })).toEqual({
      amount: '12.50',
      currency: null,
    });
    expect(parsePrice('1,299', { locale: '%%' })).toEqual({ amount: null, currency: null });
  });
});

describe('parsePriceDetailed', () => {
  it('reports raw, index and candidates for competing prices', () => {
    expect(parsePriceDetailed('Was $59.99 Now $49.99', { currencyHint: 'USD' })).toEqual({
      amount: '59.99',
      currency: 'USD',
      raw: '$59.99',
      index: 4,
      candidates: 2,
      currencyFromText: false,
    });
    expect(parsePriceDetailed('Price: $49.99 $59.99').candidates).toBe(2);
    expect(parsePriceDetailed('$10 - $20').candidates).toBe(2);
    expect(parsePriceDetailed('10–20 €').candidates).toBe(2);
  });

  it('points at the currency-marked amount, not at noise before it', () => {
    const d = parsePriceDetailed('4.57 7 ratings 99 SAR');
    expect(d).toMatchObject({ amount: '99', raw: '99 SAR', index: 15, candidates: 1, currencyFromText: true });
  });

  it('keeps indices of the original text across NBSP and Arabic digits', () => {
    const text = `Preis:${NBSP}1${NNBSP}299,00${NBSP}€`;
    const d = parsePriceDetailed(text);
    expect(d.raw).toBe(`1${NNBSP}299,00${NBSP}€`);
    expect(text.slice(d.index, d.index + d.raw!.length)).toBe(d.raw);
    expect(parsePriceDetailed('السعر ١٢٣٫٥٠ ر.س')).toMatchObject({ raw: '١٢٣٫٥٠ ر.س', index: 6 });
  });

  it('says whether the currency came from the text or from the hint', () => {
    expect(parsePriceDetailed('1.299,00 €', { currencyHint: 'EUR' }).currencyFromText).toBe(true);
    expect(parsePriceDetailed('1299.00', { currencyHint: 'USD' }).currencyFromText).toBe(false);
    expect(parsePriceDetailed('$19.99', { currencyHint: 'CAD' }).currencyFromText).toBe(false);
    expect(parsePriceDetailed('¥12.50', { currencyHint: 'CNY' }).currencyFromText).toBe(false);
    expect(parsePriceDetailed('¥1,299', { currencyHint: 'JPY' }).currencyFromText).toBe(true);
    expect(parsePriceDetailed('EUR 29.66', { currencyHint: 'USD' }).currencyFromText).toBe(true);
  });

  it('returns the empty shape when there is no price', () => {
    expect(parsePriceDetailed('Model 2024 in 3 colours')).toEqual({
      amount: null,
      currency: null,
      raw: null,
      index: -1,
      candidates: 0,
      currencyFromText: false,
      reason: 'no_currency_marker',
    });
    expect(parsePriceDetailed('Save 20%').candidates).toBe(0);
  });

  it('keeps raw/index of an amount it refused to read', () => {
    expect(parsePriceDetailed('0,899 €')).toEqual({
      amount: null,
      currency: null,
      raw: '0,899 €',
      index: 0,
      candidates: 1,
      currencyFromText: false,
      reason: 'too_many_decimals',
    });
  });

  it('includes superscript and split cents in raw', () => {
    expect(parsePriceDetailed('173<sup>34</sup> Lei').raw).toBe('173<sup>34</sup> Lei');
    expect(parsePriceDetailed('$ 31 57').raw).toBe('$ 31 57');
    expect(parsePriceDetailed('$ 31 57, was $ 40 00')).toMatchObject({ amount: '31.57', candidates: 2 });
  });

  // Speed is measured in bench/, never asserted here; this checks the long-text path's answer.
  it('finds the one price at the end of a long page text', () => {
    const text = 'lorem 12 ipsum '.repeat(2000) + 'now €49,99';
    expect(parsePrice(text)).toEqual({ amount: '49.99', currency: 'EUR' });
  });
});
