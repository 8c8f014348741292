/**
 * Storefront edge cases of the price parser that the tables in parse-price.test.ts and
 * parse-price-locales.test.ts do not reach: every kind of space and direction mark a page
 * puts inside a price, full-width digits, ranges in several languages, Chinese pages that
 * write ¥ for yuan, prices glued to CJK and Thai words, leading zeros, hints with stray
 * spaces, split and superscript cents at their edges. Each row is true of storefronts in
 * general, not of one site; `npm run mutate normalize` reruns this file for every mutant.
 */
import { describe, expect, it } from 'vitest';
import { parsePrice, parsePriceDetailed, type ParsePriceOptions } from '../src/normalize/parse-price.js';

type Row = [text: string, opts: ParsePriceOptions, amount: string | null, currency: string | null];

// Each of these a page may put where a space goes: no-break and typographic spaces,
// the ideographic space of CJK pages, direction marks and isolates around Arabic and Hebrew.
const SPACES: [string, string][] = [
  ['no-break space', '\u00A0'],
  ['en quad', '\u2000'],
  ['figure space', '\u2007'],
  ['thin space', '\u2009'],
  ['zero-width space', '\u200B'],
  ['narrow no-break space', '\u202F'],
  ['medium mathematical space', '\u205F'],
  ['ideographic space', '\u3000'],
  ['left-to-right mark', '\u200E'],
  ['right-to-left mark', '\u200F'],
  ['Arabic letter mark', '\u061C'],
  ['left-to-right isolate', '\u2066'],
  ['pop directional isolate', '\u2069'],
];

describe('parsePrice: storefront edge cases', () => {
  it.each(SPACES)('a %s as the thousands separator and before the sign', (_name, sp) => {
    expect(parsePrice(`1${sp}299,00${sp}€`)).toEqual({ amount: '1299.00', currency: 'EUR' });
    expect(parsePriceDetailed(`Preis: 1${sp}299,00${sp}€`)).toMatchObject({ raw: `1${sp}299,00${sp}€`, index: 7 });
  });

  it.each<Row>([
    // full-width digits (Japanese and Chinese pages)
    ['１２９９円', {}, '1299', 'JPY'],
    ['￥１２９９', {}, '1299', 'JPY'],
    // ranges share the marker of either end, in the shop's language
    ['10-20 €', {}, '10', 'EUR'],
    ['10—20 €', {}, '10', 'EUR'],
    ['10~20 €', {}, '10', 'EUR'],
    ['10 to 20 €', {}, '10', 'EUR'],
    ['10 bis 20 €', {}, '10', 'EUR'],
    ['de 10 à 20 €', {}, '10', 'EUR'],
    ['de 10 a 20 €', {}, '10', 'EUR'],
    ['del 10 al 20 €', {}, '10', 'EUR'],
    ['от 10 до 20 ₽', {}, '10', 'RUB'],
    ['€10–20', {}, '10', 'EUR'],
    ['10 -20 €', {}, '10', 'EUR'], // a dash after a number is a range, not a minus
    // a number that is not joined to the priced one by a range word keeps no marker
    ['10 pcs 20 €', {}, '20', 'EUR'],
    // ¥ on a Chinese page is yuan, whichever way the page says so
    ['价格（元）¥1,299', {}, '1299', 'CNY'],
    ['人民币 ¥1,299', {}, '1299', 'CNY'],
    ['RMB ¥1,299', {}, '1299', 'CNY'],
    ['Price in CN¥: ¥1,299', {}, '1299', 'CNY'],
    ['¥1,299', {}, '1299', 'JPY'],
    // words of unspaced scripts glued to the price are not model numbers
    ['価格1,299円', {}, '1299', 'JPY'],
    ['セール1,980円', {}, '1980', 'JPY'],
    ['ねだん1,980円', {}, '1980', 'JPY'],
    ['가격12,000원', {}, '12000', 'KRW'],
    ['ราคา1,290บาท', {}, '1290', 'THB'],
    // ... but a Latin word glued to the digits is
    ['X100 €', {}, null, null],
    ['€100X', {}, null, null],
    // leading zeros and zero placeholders
    ['$09.99', { currencyHint: 'USD' }, '9.99', 'USD'],
    ['€ 0,50', {}, '0.50', 'EUR'],
    ['00,00 €', {}, null, null],
    ['0,00 € 12,00 €', {}, '12.00', 'EUR'],
    // the hint is a code, whatever its case and spacing
    ['1,299', { currencyHint: ' eur ' }, '1299', 'EUR'],
    ['12,50 €', { currencyHint: 'nonsense' }, '12.50', 'EUR'],
    // marker distance: up to three spaces between sign and number
    ['€12', {}, '12', 'EUR'],
    ['€   12', {}, '12', 'EUR'],
    ['12   €', {}, '12', 'EUR'],
    ['€    12', {}, null, null],
    ['CAD $ 19.99', {}, '19.99', 'CAD'],
    ['USD$19.99', {}, '19.99', 'USD'],
    ['9,99 $ CAD', {}, '9.99', 'CAD'],
    ['9,99 $  CAD', {}, '9.99', 'CAD'],
    ['9,99 $ CAD 5', {}, '9.99', null], // the code belongs to the next amount
    // whole-unit dashes: Swiss, German, Swedish
    ['99:-', { currencyHint: 'SEK' }, '99', 'SEK'],
    ['12,-- €', {}, '12', 'EUR'],
    ['12,— €', {}, '12', 'EUR'],
    // superscript cents as shops write them
    ['49,<sup>99</sup> €', {}, '49.99', 'EUR'],
    ['49<sup>,99</sup> €', {}, '49.99', 'EUR'],
    ['49<sup> 99 </sup> €', {}, '49.99', 'EUR'],
    ['49 ^99 €', {}, '49.99', 'EUR'],
    ['49<sup>999</sup> €', {}, null, null],
    // split cents: only when the currency frames them
    ['$ 31 57*', { currencyHint: 'USD' }, '31.57', 'USD'],
    ['$ 31 57.', { currencyHint: 'USD' }, '31.57', 'USD'],
    ['$ 31 57% off', { currencyHint: 'USD' }, '31', 'USD'], // a percentage is not cents
    ['31 575 €', {}, '31575', 'EUR'], // three digits after the space are a thousands group
    // the euro sign standing for the decimal mark
    ['49€90,5', {}, null, null],
    ['49€9', {}, null, null],
  ])('%j %j -> %s %s', (text, opts, amount, currency) => {
    expect(parsePrice(text, opts)).toEqual({ amount, currency });
  });

  it('counts both ends of a range as candidates', () => {
    for (const text of ['10 bis 20 €', '€10–20', 'от 10 до 20 ₽', '10 -20 €'])
      expect(parsePriceDetailed(text).candidates, text).toBe(2);
    expect(parsePriceDetailed('10 pcs 20 €').candidates).toBe(1);
  });

  it('names why an amount was refused', () => {
    const reason = (text: string, opts: ParsePriceOptions = {}) => parsePriceDetailed(text, opts).reason;
    expect(reason('00,00 €')).toBe('zero');
    expect(reason('0,00 € 0,00 €')).toBe('zero');
    expect(reason('X100 €')).toBe('no_amount'); // a model number is no amount at all
    expect(reason('49€90,5')).toBe('sign_between_digits');
    expect(reason('49€9')).toBe('sign_between_digits');
    expect(reason('Gratis-Versand ab 0')).toBe('no_currency_marker');
    expect(reason('Grátis')).toBe('free');
    expect(reason('gratuito')).toBe('free');
    expect(reason('Бесплатно')).toBe('free');
    expect(reason('darmowy')).toBe('free');
    expect(reason('Zdarma')).toBe('free');
    expect(reason('ingyenes')).toBe('free');
    expect(reason('免费')).toBe('free');
    expect(reason('Carefree')).toBe('no_amount');
    expect(reason('freebies')).toBe('no_amount');
    expect(reason('-5 €')).toBe('negative');
    expect(reason('-€5,00')).toBe('negative');
  });

  it('keeps the whole unreadable amount in raw, so nothing after the sign is read as a price', () => {
    expect(parsePriceDetailed('Art. 1250€600 Stück')).toMatchObject({
      amount: null,
      raw: '1250€600',
      index: 5,
      reason: 'sign_between_digits',
    });
    expect(parsePriceDetailed('1.250€600,50')).toMatchObject({ raw: '1.250€600,50', reason: 'sign_between_digits' });
    expect(parsePriceDetailed('9,99 $ CAD')).toMatchObject({ raw: '9,99 $ CAD', currencyFromText: true });
    expect(parsePriceDetailed('$5', {})).toMatchObject({ amount: '5', currency: null, unsettledSign: true });
    expect(parsePriceDetailed('5', { currencyHint: 'USD' })).not.toHaveProperty('unsettledSign');
  });
});
