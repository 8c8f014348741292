/**
 * Rules of the price parser pinned one by one, each with the storefront text that needs it:
 * when a weak or ambiguous marker is trusted, how separators settle, what makes a token no
 * price. parse-price.test.ts and parse-price-locales.test.ts hold the broad tables; this file
 * holds the rows that tell a rule from a near miss of it (`npm run mutate normalize`).
 */
import { describe, expect, it } from 'vitest';
import { parsePrice, parsePriceDetailed } from '../src/normalize/parse-price.js';

describe('weak markers ("R", "Br") need the site currency to agree', () => {
  it('"R 199" is rand on a ZAR site and nothing on any other', () => {
    expect(parsePrice('R 199', { currencyHint: 'ZAR' })).toEqual({ amount: '199', currency: 'ZAR' });
    expect(parsePrice('R 199', { currencyHint: 'EUR' })).toEqual({ amount: null, currency: null });
    expect(parsePrice('R 199')).toEqual({ amount: null, currency: null });
    expect(parsePrice('Br 25', { currencyHint: 'USD' })).toEqual({ amount: null, currency: null });
    expect(parsePrice('Br 25', { currencyHint: 'BYN' })).toEqual({ amount: '25', currency: 'BYN' });
  });
});

describe('a Chinese page reads ¥ as yuan, and only ¥', () => {
  it('another currency on a page that also writes 元 keeps its own code', () => {
    expect(parsePrice('US$199（约1,299元）')).toEqual({ amount: '199', currency: 'USD' });
    expect(parsePrice('€25 / 人民币 199')).toEqual({ amount: '25', currency: 'EUR' });
    expect(parsePrice('¥1,299 元')).toEqual({ amount: '1299', currency: 'CNY' });
  });
});

describe('a word-like marker must start where its word starts', () => {
  it('"RM" in "ARM" or "lei" in "Galilei" before a number is no currency', () => {
    expect(parsePriceDetailed('Processor: ARM 64-bit')).toMatchObject({ amount: null, reason: 'no_currency_marker' });
    expect(parsePrice('Galilei 3')).toEqual({ amount: null, currency: null });
    expect(parsePrice('RM 64')).toEqual({ amount: '64', currency: 'MYR' });
  });
});

describe('a word-like marker must end where its word ends', () => {
  it('"DH" in "DHL" or "Ft" in "Ftp" after a number is no currency', () => {
    expect(parsePriceDetailed('Versand: 2 DHL-Pakete')).toMatchObject({ amount: null, reason: 'no_currency_marker' });
    expect(parsePrice('12 Kraftwerk')).toEqual({ amount: null, currency: null });
    expect(parsePrice('2 DH')).toEqual({ amount: '2', currency: 'MAD' });
  });
});

describe('split cents ("$ 31 57") need the amount to end there', () => {
  it('a footnote mark or a slash after the cents still ends the amount', () => {
    expect(parsePrice('$ 31 57 *', { currencyHint: 'USD' })).toEqual({ amount: '31.57', currency: 'USD' });
    expect(parsePrice('$ 31 57 / month', { currencyHint: 'USD' })).toEqual({ amount: '31.57', currency: 'USD' });
    expect(parsePriceDetailed('$ 31 57 each', { currencyHint: 'USD' })).toMatchObject({
      amount: null,
      reason: 'split_cents',
    });
  });
});

describe('a whole-units dash ("12,-") only follows a whole amount', () => {
  it('"12,- €" is 12 euros; a dash after an amount with decimals is refused', () => {
    expect(parsePrice('12,- €')).toEqual({ amount: '12', currency: 'EUR' });
    expect(parsePrice('1.299,- €')).toEqual({ amount: '1299', currency: 'EUR' });
    expect(parsePriceDetailed('12.34,- €')).toMatchObject({ amount: null, reason: 'bad_grouping' });
  });
});

describe('separators: which one is the decimal mark', () => {
  it('an apostrophe is only ever grouping (Swiss "1\'299")', () => {
    expect(parsePrice("1'299")).toEqual({ amount: '1299', currency: null });
    expect(parsePrice("CHF 1'299.50")).toEqual({ amount: '1299.50', currency: 'CHF' });
    // not 1.29: an apostrophe before two digits is broken grouping
    expect(parsePriceDetailed("Fr. 1'29")).toMatchObject({ amount: null, reason: 'bad_grouping' });
  });

  it('grouping that mixes two separators before the decimal mark is refused', () => {
    expect(parsePriceDetailed("1'234.567,89 €")).toMatchObject({ amount: null, reason: 'bad_grouping' });
    expect(parsePriceDetailed('1 234.567,89 €')).toMatchObject({ amount: null, reason: 'bad_grouping' });
    expect(parsePrice('1.234.567,89 €')).toEqual({ amount: '1234567.89', currency: 'EUR' });
  });

  it('three digits after a lone separator with a whole part ending in 0 are still grouping in euros', () => {
    expect(parsePrice('10.299 €')).toEqual({ amount: '10299', currency: 'EUR' });
    expect(parsePrice('20,500 €')).toEqual({ amount: '20500', currency: 'EUR' });
    expect(parsePrice('0,899 €')).toEqual({ amount: null, currency: null }); // leading 0: a decimal, too many
  });
});

describe('a euro sign as the decimal mark ("49€90") only in that exact shape', () => {
  it('a sign after a space belongs to the amount after it', () => {
    expect(parsePrice('Qty 2 €19')).toEqual({ amount: '19', currency: 'EUR' });
  });

  it('another sign between digits is unreadable, not a decimal mark', () => {
    expect(parsePriceDetailed('49£90')).toMatchObject({ amount: null, reason: 'sign_between_digits' });
    expect(parsePrice('49€90')).toEqual({ amount: '49.90', currency: 'EUR' });
  });

  it('digits before the sign must be a well-grouped whole amount', () => {
    expect(parsePriceDetailed('1,23€45')).toMatchObject({ amount: null, reason: 'sign_between_digits' });
  });
});

describe('currencies that share a marker', () => {
  it('"1.299 دينار" may be 1.299 Kuwaiti dinars or 1299 Algerian ones: no reading without a hint', () => {
    expect(parsePriceDetailed('1.299 دينار')).toMatchObject({ amount: null, reason: 'ambiguous_separator' });
    expect(parsePrice('1.299 دينار', { currencyHint: 'KWD' })).toEqual({ amount: '1.299', currency: 'KWD' });
  });

  it('a default that the other marker rules out is no currency ("£250 جنيه" is not GBP)', () => {
    expect(parsePrice('£250 جنيه')).toEqual({ amount: '250', currency: null });
    expect(parsePrice('£250 جنيه', { currencyHint: 'EGP' })).toEqual({ amount: '250', currency: 'EGP' });
  });

  it('a retired unit beside a current sign is reported as the retired unit', () => {
    expect(parsePriceDetailed('€ 99 kn')).toMatchObject({ amount: null, reason: 'unsupported_currency' });
  });

  it('a bare number is not flagged as carrying an unsettled sign', () => {
    expect(parsePriceDetailed('1299.00')).not.toHaveProperty('unsettledSign');
    expect(parsePriceDetailed('$1299.00')).toMatchObject({ currency: null, unsettledSign: true });
  });
});

describe('ranges lend a marker only to the end that has none', () => {
  it('each end keeps its own marker', () => {
    expect(parsePrice('10 € – 20 US$')).toEqual({ amount: '10', currency: 'EUR' });
    expect(parsePrice('0 € – 20 US$')).toEqual({ amount: '20', currency: 'USD' }); // the zero end is skipped
  });
});

describe('digits read as cents are not read again', () => {
  it('"118, 99 TL" is one amount', () => {
    expect(parsePriceDetailed('118, 99 TL')).toMatchObject({ amount: '118.99', currency: 'TRY', candidates: 1 });
    expect(parsePriceDetailed('$10 $  20')).toMatchObject({ amount: '10', raw: '$10' });
  });
});
