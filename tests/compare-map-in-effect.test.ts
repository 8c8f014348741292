import { describe, expect, it } from 'vitest';
import { currenciesInEffect, mapInEffect } from '../src/compare/map-in-effect.js';
import { severityFor } from '../src/compare/severity.js';

const d = (iso: string) => new Date(iso);
const jan = {
  currency: 'USD',
  mapMinor: 10000,
  effectiveFrom: d('2026-01-01T00:00:00Z'),
  effectiveTo: d('2026-02-01T00:00:00Z'),
};
const feb = { currency: 'USD', mapMinor: 9000, effectiveFrom: d('2026-02-01T00:00:00Z'), effectiveTo: null };
const eur = { currency: 'EUR', mapMinor: 9500, effectiveFrom: d('2026-01-15T00:00:00Z'), effectiveTo: null };
type Row = { currency: string; mapMinor: number; effectiveFrom: Date; effectiveTo: Date | null };
const all: Row[] = [jan, feb, eur];

describe('mapInEffect', () => {
  it.each<[string, string, Row | null, string]>([
    ['2025-12-31T23:59:59.999Z', 'USD', null, 'before the first window'],
    ['2026-01-01T00:00:00.000Z', 'USD', jan, 'effectiveFrom is inclusive'],
    ['2026-01-31T23:59:59.999Z', 'USD', jan, 'last instant of the window'],
    ['2026-02-01T00:00:00.000Z', 'USD', feb, 'effectiveTo is exclusive; next window takes over'],
    ['2030-01-01T00:00:00.000Z', 'USD', feb, 'open-ended'],
    ['2026-01-10T00:00:00.000Z', 'EUR', null, 'EUR not started yet'],
    ['2026-01-20T00:00:00.000Z', 'EUR', eur, 'picks the observed currency'],
    ['2026-01-20T00:00:00.000Z', 'eur', eur, 'currency compared case-insensitively'],
    ['2026-01-20T00:00:00.000Z', 'GBP', null, 'no GBP at all'],
  ])('%s %s', (iso, cur, want) => {
    expect(mapInEffect(all, cur, d(iso))).toBe(want);
  });

  it('overlap: the most recently started window wins; on a tie the lower MAP', () => {
    const newer = { ...feb, mapMinor: 9900, effectiveFrom: d('2026-03-01T00:00:00Z') };
    expect(mapInEffect([feb, newer], 'USD', d('2026-03-02T00:00:00Z'))).toBe(newer);
    const twin = { ...feb, mapMinor: 8800 };
    expect(mapInEffect([feb, twin], 'USD', d('2026-03-02T00:00:00Z'))).toBe(twin);
    expect(mapInEffect([twin, feb], 'USD', d('2026-03-02T00:00:00Z'))).toBe(twin);
  });

  it('currenciesInEffect lists distinct currencies with a MAP at that time', () => {
    expect(currenciesInEffect(all, d('2026-01-20T00:00:00Z'))).toEqual(['EUR', 'USD']);
    expect(currenciesInEffect(all, d('2025-01-01T00:00:00Z'))).toEqual([]);
  });
});

describe('severityFor', () => {
  const bands = [
    { name: 'high', minPercentBelow: 15 },
    { name: 'low', minPercentBelow: 0 },
    { name: 'medium', minPercentBelow: 5 },
  ];
  it.each([
    [0.01, 'low'],
    [4.99, 'low'],
    [5, 'medium'],
    [14.999, 'medium'],
    [15, 'high'],
    [80, 'high'],
  ])('%s %% -> %s (bands in any order)', (p, want) => {
    expect(severityFor(p, bands)).toBe(want);
  });

  // (57 / 100) * 100 in floating point is 56.99999999999999: a float would miss the band.
  it('exact shortfall: 57 below a MAP of 100 is exactly 57 % (a float says 56.999...)', () => {
    const b = [
      { name: 'low', minPercentBelow: 0 },
      { name: 'severe', minPercentBelow: 57 },
    ];
    expect(severityFor({ belowMinor: 57, mapMinor: 100 }, b)).toBe('severe');
    expect(severityFor({ belowMinor: 56, mapMinor: 100 }, b)).toBe('low');
  });

  it('exact shortfall 4.996 % stays below the 5 % band even though it displays as 5.00', () => {
    expect(severityFor({ belowMinor: 4996, mapMinor: 100000 }, bands)).toBe('low');
    expect(severityFor({ belowMinor: 5000, mapMinor: 100000 }, bands)).toBe('medium');
    expect(severityFor({ num: 500n, den: 100n }, bands)).toBe('medium');
  });

  it('below every threshold -> lowest band; no bands -> throws', () => {
    expect(
      severityFor(2, [
        { name: 'medium', minPercentBelow: 5 },
        { name: 'high', minPercentBelow: 15 },
      ]),
    ).toBe('medium');
    expect(() => severityFor(2, [])).toThrow(RangeError);
  });
});
