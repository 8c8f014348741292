/** One exact definition of "percent below MAP", shared by the verdict and the case facts. */
import { describe, expect, it } from 'vitest';
import { compareToMap } from '../src/compare/compare-to-map.js';
import { hundredthsBelowMap, percentBelowMap } from '../src/compare/percent-below.js';
import { loadPolicy } from '../src/config/policy.js';

describe('percent below MAP', () => {
  it.each([
    [7, 8, 12.5],
    [2, 3, 33.33],
    [1, 3, 66.67],
    [19999, 20000, 0.01], // 0.005 % rounds half-up
    [8900, 10000, 11],
    [10000, 10000, 0],
    [10001, 10000, -0.01],
  ])('%i against MAP %i is %s %%', (price, map, want) => {
    expect(percentBelowMap(price, map)).toBe(want);
  });

  it('takes an exact fraction (pack size and VAT applied) without a float in between', () => {
    // 1199 gross at 20 % VAT is 999.1666… net; against MAP 1000 that is 0.0833… % → 0.08 %.
    expect(hundredthsBelowMap({ num: 1199n * 100n, den: 120n }, 1000)).toBe(8n);
  });

  it("is the verdict's own figure for every whole-unit price", () => {
    const policy = loadPolicy({});
    for (const map of [999, 1000, 4999, 12345]) {
      for (let price = 1; price < map; price += 37) {
        const v = compareToMap({
          observed: { amountMinor: price, currency: 'USD', capturedAt: new Date('2026-01-01T00:00:00Z') },
          listingPackSize: 1,
          productPackSize: 1,
          mapIncludesVat: false,
          mapPrices: [
            { currency: 'USD', mapMinor: map, effectiveFrom: new Date('2020-01-01T00:00:00Z'), effectiveTo: null },
          ],
          promos: [],
          tolerance: policy.tolerance,
          severityBands: policy.severityBands,
        });
        expect(v.kind).toBe('violation');
        if (v.kind === 'violation') expect(v.percentBelow).toBe(percentBelowMap(price, map));
      }
    }
  });
});
