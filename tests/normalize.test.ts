import { describe, expect, it } from 'vitest';
import { ceilDiv, decimalToFraction, floorDiv, roundHalfUpDiv } from '../src/compare/exact-decimal.js';
import { normalizeObserved } from '../src/compare/normalize-observed.js';

/** The comparable price in whole minor units, rounded UP once (what compareToMap compares with the MAP). */
function ceilObserved(
  amountMinor: number,
  o: { lp?: number; pp?: number; siteVat?: { included: boolean; rate: number }; mapIncludesVat?: boolean } = {},
): number {
  const r = normalizeObserved({
    amountMinor,
    listingPackSize: o.lp ?? 1,
    productPackSize: o.pp ?? 1,
    siteVat: o.siteVat,
    mapIncludesVat: o.mapIncludesVat ?? false,
  });
  return Number(ceilDiv(r.exact.num, r.exact.den));
}
const normalizeForPack = (a: number, lp: number, pp: number) => ceilObserved(a, { lp, pp });
const removeVat = (a: number, rate: number) => ceilObserved(a, { siteVat: { included: true, rate } });
const addVat = (a: number, rate: number) =>
  ceilObserved(a, { siteVat: { included: false, rate }, mapIncludesVat: true });

describe('pack normalization (rounds UP to a minor unit)', () => {
  it.each([
    // amount, listingPack, productPack, expected, why
    [10000, 1, 1, 10000, 'same pack'],
    [20000, 2, 1, 10000, '2-pack at exactly 2 x MAP'],
    [19999, 2, 1, 10000, '2-pack at 2 x MAP - 1 is 9999.5 per unit, rounded up'],
    [19998, 2, 1, 9999, 'whole-unit shortfall survives rounding'],
    [6000, 6, 2, 2000, '6-pack vs product 2-pack, exact'],
    [5999, 6, 2, 2000, '6-pack vs 2-pack: 1999.67 -> 2000'],
    [5997, 6, 2, 1999, '6-pack vs 2-pack: 1999.0 exact'],
    [1000, 1, 3, 3000, 'listing single, MAP per 3-pack'],
    [1, 3, 1, 1, 'tiny amount never rounds to 0'],
    [0, 2, 1, 0, 'zero is allowed here (validation is compareToMap)'],
    [1299, 1, 1, 1299, 'JPY-like whole amount'],
  ])('%i for a %i-pack, MAP pack %i -> %i (%s)', (amount, lp, pp, want) => {
    expect(normalizeForPack(amount, lp, pp)).toBe(want);
  });
});

describe('VAT normalization (round UP, exact rate)', () => {
  it.each([
    // gross, rate, net
    [1200, 20, 1000],
    [1199, 20, 1000], // 999.1666.. -> 1000
    [1198, 20, 999], // 998.33 -> 999
    [1190, 19, 1000],
    [1077, 7.7, 1000], // 7.7 read as 77/10, not a float
    [1055, 5.5, 1000],
    [1000, 0, 1000],
    [1, 20, 1], // never rounds to 0
    [0, 20, 0],
    [29, 8.1, 27], // 26.827 -> 27
  ])('removeVat(%i, %s%%) = %i', (gross, rate, net) => {
    expect(removeVat(gross, rate)).toBe(net);
  });

  it.each([
    // net, rate, gross
    [1000, 20, 1200],
    [999, 20, 1199], // 1198.8 -> 1199
    [1000, 7.7, 1077],
    [1005, 7, 1076], // 1075.35 -> 1076
    [333, 21, 403], // 402.93 -> 403
    [1000, 0, 1000],
    [1, 100, 2],
  ])('addVat(%i, %s%%) = %i', (net, rate, gross) => {
    expect(addVat(net, rate)).toBe(gross);
  });

  it('rounding up never lets a converted price drop below the exact value', () => {
    for (let x = 1; x < 2000; x += 7) {
      for (const r of [5.5, 7.7, 19, 20, 21, 25.5]) {
        expect(removeVat(x, r) * (100 + r)).toBeGreaterThanOrEqual(x * 100 - 1e-6);
        expect(addVat(x, r) * 100).toBeGreaterThanOrEqual(x * (100 + r) - 1e-6);
      }
    }
  });
});

describe('exact decimal helpers', () => {
  it.each([
    [20, 20n, 1n],
    [7.7, 77n, 10n],
    [0.57, 57n, 100n],
    [12.5, 125n, 10n],
    [0, 0n, 1n],
    [1e-7, 1n, 10000000n],
    [1e21, 10n ** 21n, 1n],
  ])('decimalToFraction(%s) = %s/%s', (x, num, den) => {
    expect(decimalToFraction(x)).toEqual({ num, den });
  });

  it('rejects negative and non-finite numbers', () => {
    expect(() => decimalToFraction(-1)).toThrow(RangeError);
    expect(() => decimalToFraction(Number.NaN)).toThrow(RangeError);
    expect(() => decimalToFraction(Infinity)).toThrow(RangeError);
  });

  it('integer division helpers', () => {
    expect(ceilDiv(7n, 2n)).toBe(4n);
    expect(ceilDiv(6n, 2n)).toBe(3n);
    expect(floorDiv(7n, 2n)).toBe(3n);
    expect(roundHalfUpDiv(5n, 2n)).toBe(3n);
    expect(roundHalfUpDiv(4n, 3n)).toBe(1n);
    expect(() => ceilDiv(1n, 0n)).toThrow(RangeError);
  });
});

describe('normalizeObserved (pack + VAT in one exact step)', () => {
  it('keeps the exact fraction: 2-pack at 19999 is 19999/2 per unit', () => {
    const r = normalizeObserved({ amountMinor: 19999, listingPackSize: 2, productPackSize: 1, mapIncludesVat: false });
    expect(r).toEqual({ exact: { num: 19999n, den: 2n }, vatAdjustment: 'none', vatRatePercent: null });
  });

  it('removes VAT when the site is gross and the MAP net', () => {
    const r = normalizeObserved({
      amountMinor: 1199,
      listingPackSize: 1,
      productPackSize: 1,
      siteVat: { included: true, rate: 20 },
      mapIncludesVat: false,
    });
    expect(r.vatAdjustment).toBe('removed');
    expect(r.vatRatePercent).toBe(20);
    expect(Number(r.exact.num) / Number(r.exact.den)).toBeCloseTo(999.1667, 3);
  });

  it('adds VAT when the site is net and the MAP gross', () => {
    const r = normalizeObserved({
      amountMinor: 1000,
      listingPackSize: 1,
      productPackSize: 1,
      siteVat: { included: false, rate: 20 },
      mapIncludesVat: true,
    });
    expect(r).toEqual({ exact: { num: 1200n, den: 1n }, vatAdjustment: 'added', vatRatePercent: 20 });
  });

  it.each([
    [undefined, false],
    [undefined, true],
    [{ included: true, rate: 20 }, true],
    [{ included: false, rate: 20 }, false],
  ])('no adjustment when site VAT %j matches MAP basis (mapIncludesVat=%s)', (siteVat, mapIncludesVat) => {
    const r = normalizeObserved({ amountMinor: 1000, listingPackSize: 1, productPackSize: 1, siteVat, mapIncludesVat });
    expect(r.vatAdjustment).toBe('none');
    expect(r.exact).toEqual({ num: 1000n, den: 1n });
  });

  it('a single ceiling of the combined exact value is never above two stacked ceilings', () => {
    for (let a = 1; a < 3000; a += 13) {
      const r = normalizeObserved({
        amountMinor: a,
        listingPackSize: 6,
        productPackSize: 2,
        siteVat: { included: true, rate: 19 },
        mapIncludesVat: false,
      });
      const single = ceilDiv(r.exact.num, r.exact.den);
      // Stacked: pack first, rounded up, then VAT off, rounded up again.
      const pack = ceilDiv(BigInt(a) * 2n, 6n);
      const stacked = ceilDiv(pack * 100n, 119n);
      expect(single).toBeLessThanOrEqual(stacked);
    }
  });
});
