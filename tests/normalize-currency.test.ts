/**
 * Decimal amounts to integer minor units and back: the conversion every stored price goes
 * through. Fast unit tests, so a broken conversion fails here and not only in the demo.
 */
import { describe, expect, it } from 'vitest';
import {
  currencyExponent,
  formatMoney,
  fromMinorUnits,
  isCurrencyCode,
  toMinorUnits,
} from '../src/normalize/currency.js';

describe('toMinorUnits', () => {
  it.each([
    ['12.5', 'USD', 1250], // a short fraction is padded on the right: 12.50, not 12.05
    ['12.05', 'USD', 1205],
    ['12', 'USD', 1200],
    ['0.5', 'EUR', 50],
    ['0.05', 'EUR', 5],
    ['1299.50', 'EUR', 129950],
    ['1299.500', 'EUR', 129950], // trailing zeros beyond the exponent are not extra precision
    ['1299', 'JPY', 1299],
    ['1299.0', 'JPY', 1299],
    ['1.5', 'KWD', 1500],
    ['1.005', 'KWD', 1005],
    ['0.0001', 'CLF', 1],
    [' 7.25 ', 'USD', 725],
    ['-3.5', 'USD', -350],
  ] as const)('%s %s is %i minor units', (amount, currency, minor) => {
    expect(toMinorUnits(amount, currency)).toBe(minor);
  });

  it('refuses more decimals than the currency has, rather than rounding a price', () => {
    expect(() => toMinorUnits('12.345', 'USD')).toThrow('"12.345" has more decimals than USD allows (2)');
    expect(() => toMinorUnits('100.5', 'JPY')).toThrow('has more decimals than JPY allows (0)');
    expect(() => toMinorUnits('1.0005', 'KWD')).toThrow('KWD allows (3)');
  });

  it('refuses what is not a plain decimal, and unknown currencies', () => {
    for (const bad of ['', '12,50', '1e3', '$12', '12.', '.5', '1.2.3', 'NaN'])
      expect(() => toMinorUnits(bad, 'USD')).toThrow(`"${bad}" is not a decimal amount`);
    expect(() => toMinorUnits('12', 'XXX')).toThrow('unknown ISO 4217 currency code "XXX"');
    expect(() => toMinorUnits('12', 'usd')).toThrow('unknown ISO 4217 currency code');
  });

  it('zeros after the last significant decimal are not extra precision, however many', () => {
    // "1299.00" on a yen page is 1299 yen, not a refused price.
    expect(toMinorUnits('1299.00', 'JPY')).toBe(1299);
    expect(toMinorUnits('1.5000', 'KWD')).toBe(1500);
  });

  it('refuses amounts too large to count exactly', () => {
    expect(toMinorUnits('90071992547409.91', 'USD')).toBe(9007199254740991);
    expect(() => toMinorUnits('90071992547409.92', 'USD')).toThrow('"90071992547409.92" is too large');
  });
});

describe('fromMinorUnits and formatMoney', () => {
  it.each([
    [1250, 'USD', '12.50'],
    [5, 'USD', '0.05'],
    [0, 'USD', '0.00'],
    [-350, 'USD', '-3.50'],
    [-5, 'EUR', '-0.05'],
    [1299, 'JPY', '1299'],
    [0, 'JPY', '0'],
    [1005, 'KWD', '1.005'],
    [1, 'CLF', '0.0001'],
  ] as const)('%i %s is %s', (minor, currency, text) => {
    expect(fromMinorUnits(minor, currency)).toBe(text);
    expect(toMinorUnits(text, currency)).toBe(minor);
  });

  it('formats as "CODE amount", without locale guessing', () => {
    expect(formatMoney(129950, 'EUR')).toBe('EUR 1299.50');
    expect(formatMoney(1299, 'JPY')).toBe('JPY 1299');
  });
});

describe('currency codes', () => {
  it('knows ISO 4217 codes and their real exponents', () => {
    expect(isCurrencyCode('USD')).toBe(true);
    expect(isCurrencyCode('KZT')).toBe(true);
    expect(isCurrencyCode('XXX')).toBe(false);
    expect(isCurrencyCode('usd')).toBe(false);
    expect([
      currencyExponent('USD'),
      currencyExponent('JPY'),
      currencyExponent('KWD'),
      currencyExponent('CLF'),
    ]).toEqual([2, 0, 3, 4]);
    expect(() => currencyExponent('ABC')).toThrow(RangeError);
  });
});
