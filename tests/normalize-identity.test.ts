/**
 * The product keys discovery matches a storefront listing by (src/normalize/gtin.ts and
 * similarity.ts): a GTIN as one GTIN-14, a brand's company prefix, a part number, a brand
 * name and a title. A wrong key here is a wrong automatic match, so each rule is pinned on
 * plain values; `npm run mutate normalize` reruns this file for every mutant.
 */
import { describe, expect, it } from 'vitest';
import { checkDigit, gtin14, hasCompanyPrefix } from '../src/normalize/gtin.js';
import { normalizeMpn, sameBrand, titleSimilarity, titleTokens } from '../src/normalize/similarity.js';

describe('gtin14: one key for GTIN-8, UPC-A, EAN-13 and GTIN-14', () => {
  it('strips the spaces and dashes a page prints inside a barcode number', () => {
    expect(gtin14('4006381-333931')).toBe('04006381333931');
    expect(gtin14(' 4006381 333931 ')).toBe('04006381333931');
    expect(gtin14('0-36000-29145-2')).toBe('00036000291452');
  });

  it('keeps a GTIN-14 packaging indicator', () => {
    expect(gtin14('10036000291459')).toBe('10036000291459');
  });

  it('only the GS1 lengths: 9, 10, 11 or 15 digits are no GTIN even when the check digit works out', () => {
    // Each of these left-pads to a GTIN-14 with a valid check digit.
    expect(gtin14('9638501')).toBeNull(); // 7
    expect(gtin14('600029142')).toBeNull(); // 9
    expect(gtin14('6000291455')).toBeNull(); // 10
    expect(gtin14('36000291452')).toBeNull(); // 11: a UPC-A that lost its leading zero
    expect(gtin14('004006381333931')).toBeNull(); // 15
    expect(gtin14('4006381333931x')).toBeNull();
    expect(gtin14('x4006381333931')).toBeNull();
  });

  it('all zeros is a placeholder, not a product', () => {
    expect(gtin14('00000000')).toBeNull();
    expect(gtin14('0000000000000')).toBeNull();
    expect(gtin14('00000000000000')).toBeNull();
  });

  it('no value is no key', () => {
    expect(gtin14('')).toBeNull();
    expect(gtin14(null)).toBeNull();
    expect(gtin14(undefined)).toBeNull();
  });

  it('check digits: weights 3 and 1 from the right', () => {
    expect(checkDigit('0400638133393')).toBe(1);
    expect(checkDigit('0003600029145')).toBe(2);
    expect(checkDigit('0000000000000')).toBe(0);
    expect(checkDigit('0000000000001')).toBe(7); // weight 3: 10 - 3
    expect(checkDigit('0000000000010')).toBe(9); // weight 1: 10 - 1
  });
});

describe('hasCompanyPrefix: a GTIN under a brand owner prefix', () => {
  const ean = gtin14('4006381333931')!; // 04006381333931
  const upc = gtin14('036000291452')!; // 00036000291452

  it('matches a prefix written for the EAN-13, or for the UPC-A without its leading 0', () => {
    expect(hasCompanyPrefix(ean, ['4006381'])).toBe(true);
    expect(hasCompanyPrefix(upc, ['0036000'])).toBe(true); // as on the EAN-13 0036000291452
    expect(hasCompanyPrefix(upc, ['036000'])).toBe(true); // as on the UPC-A 036000291452
    expect(hasCompanyPrefix(upc, ['36000'])).toBe(false); // digits inside the number, not its start
    expect(hasCompanyPrefix(ean, ['123456', '4006381'])).toBe(true);
  });

  it('the packaging indicator is not part of the prefix', () => {
    const case14 = gtin14('10036000291459')!;
    expect(hasCompanyPrefix(case14, ['036000'])).toBe(true);
    expect(hasCompanyPrefix(case14, ['100360'])).toBe(false);
  });

  it('another owner prefix, or none, does not match', () => {
    expect(hasCompanyPrefix(ean, ['4006382'])).toBe(false);
    expect(hasCompanyPrefix(ean, ['006381'])).toBe(false); // not at the start
    expect(hasCompanyPrefix(ean, [])).toBe(false);
  });
});

describe('normalizeMpn: part numbers as pages and catalogs write them', () => {
  it('upper case, letters and digits only', () => {
    expect(normalizeMpn('hp-100')).toBe('HP100');
    expect(normalizeMpn(' HP 100/B ')).toBe('HP100B');
    expect(normalizeMpn('A-1')).toBe('A1'); // two characters are enough
  });

  it('one character or nothing is no part number', () => {
    expect(normalizeMpn('-x-')).toBeNull();
    expect(normalizeMpn('--')).toBeNull();
    expect(normalizeMpn('')).toBeNull();
    expect(normalizeMpn(null)).toBeNull();
    expect(normalizeMpn(undefined)).toBeNull();
  });
});

describe('sameBrand: one name words start the other', () => {
  it('case, punctuation, accents and a longer name do not matter', () => {
    expect(sameBrand('NORTHWIND', 'Northwind Audio')).toBe(true);
    expect(sameBrand('Northwind Audio', 'northwind')).toBe(true);
    expect(sameBrand('Café Audio', 'CAFE')).toBe(true);
    expect(sameBrand('Smith & Sons', 'smith sons')).toBe(true);
  });

  it.each(['Inc', 'Ltd', 'LLC', 'GmbH', 'Co', 'Corp'])('the legal form "%s" is not a word of the name', (form) => {
    expect(sameBrand('Northwind Audio', `Northwind ${form}.`)).toBe(true);
  });

  it('a leading "The" is not a word of the name', () => {
    expect(sameBrand('The Northwind Audio', 'Northwind')).toBe(true);
  });

  it('another name, other words first, or an empty name is not the brand', () => {
    expect(sameBrand('Northwind', 'Southwind')).toBe(false);
    expect(sameBrand('Audio Northwind', 'Northwind')).toBe(false);
    expect(sameBrand('Northwind Audio', 'Northwind Labs')).toBe(false);
    expect(sameBrand('', 'Northwind')).toBe(false);
    expect(sameBrand('Northwind', '')).toBe(false);
    expect(sameBrand('Inc.', 'Inc.')).toBe(false); // only a legal form: no name at all
  });
});

describe('titleTokens and titleSimilarity', () => {
  it('drops filler words and joins model numbers written with a dash', () => {
    expect(titleTokens('The new HP-100 and a case with an adapter for use in car by Northwind of Oslo')).toEqual([
      'hp100',
      'case',
      'adapter',
      'use',
      'car',
      'northwind',
      'oslo',
    ]);
    expect(titleTokens('Pack 2-4 x-ray ＨＰ-１００ Café')).toEqual(['pack', '24', 'x', 'ray', 'hp100', 'cafe']);
  });

  it('is the Dice overlap of the word sets, a model number weighing three', () => {
    expect(titleSimilarity('red chair', 'red table')).toBe(0.5);
    expect(titleSimilarity('SP-20 speaker', 'sp20 speaker black')).toBeCloseTo(8 / 9, 12);
    expect(titleSimilarity('Red Chair', 'chair, red')).toBe(1);
  });

  it('titles with no words share nothing', () => {
    expect(titleSimilarity('', '')).toBe(0);
    expect(titleSimilarity('the a', 'of')).toBe(0);
    expect(titleSimilarity('chair', '')).toBe(0);
  });

  it('two different model numbers cap the score at 0.5 however much else matches', () => {
    const a = 'Northwind wireless over ear headphones HP-100';
    expect(titleSimilarity(a, 'Northwind wireless over ear headphones HP-200')).toBe(0.5); // 10/16 uncapped
    expect(titleSimilarity('HP-100', 'HP-200 speaker')).toBe(0); // the cap never raises a score
  });

  it('a model number on one side only is no conflict', () => {
    expect(titleSimilarity('Northwind headphones HP-100', 'Northwind headphones')).toBeCloseTo(4 / 7, 12);
    expect(titleSimilarity('Northwind headphones', 'Northwind headphones HP-100')).toBeCloseTo(4 / 7, 12);
  });

  it('one shared model number is enough: a bundle title naming two models still matches', () => {
    expect(
      titleSimilarity('Northwind HP-100 HP-200 wireless headphones', 'Northwind HP-100 wireless headphones'),
    ).toBeCloseTo(0.8, 12);
  });
});
