/**
 * The comparison with its rules parsed once per rules object (parse-compare-rules.ts) gives the verdict of
 * compareToMap on the same flat input: valid inputs, every part invalid alone and several at once (the
 * `invalid_input` detail lists the issues in the same order), and again from the cache.
 */
import { describe, expect, it } from 'vitest';
import { compareToMap } from '../src/compare/compare-to-map.js';
import { compareWithRules, parseCompareRules, type CompareRules } from '../src/compare/parse-compare-rules.js';
import type { ComparisonInput } from '../src/compare/schemas.js';

const JUNE = new Date('2026-06-01T12:00:00Z');
const usdMap = {
  currency: 'USD',
  mapMinor: 10000,
  listMinor: null,
  effectiveFrom: new Date('2026-01-01'),
  effectiveTo: null,
};
const bands = [
  { name: 'low', minPercentBelow: 0 },
  { name: 'high', minPercentBelow: 10 },
];
const base: ComparisonInput = {
  observed: { amountMinor: 9500, currency: 'USD', capturedAt: JUNE },
  listingPackSize: 1,
  productPackSize: 1,
  mapIncludesVat: false,
  mapPrices: [usdMap],
  promos: [],
  tolerance: {},
  severityBands: bands,
};

/** The flat input cut in the parts judge-read.ts passes, each with its own key object. */
function split(input: ComparisonInput, keys = { product: {}, site: {}, policy: {} }) {
  const rules: CompareRules = {
    product: {
      key: keys.product,
      rules: {
        productPackSize: input.productPackSize,
        mapIncludesVat: input.mapIncludesVat,
        mapPrices: input.mapPrices,
        promos: input.promos,
      },
    },
    site: input.siteVat ? { key: keys.site, rules: { siteVat: input.siteVat } } : null,
    policy: { key: keys.policy, rules: { tolerance: input.tolerance, severityBands: input.severityBands } },
  };
  return { observed: { observed: input.observed, listingPackSize: input.listingPackSize }, rules };
}

const cases: [string, ComparisonInput][] = [
  ['compliant', { ...base, observed: { ...base.observed, amountMinor: 10000 } }],
  ['violation with severity', base],
  ['tolerance', { ...base, tolerance: { percent: 5 } }],
  [
    'pack sizes',
    { ...base, listingPackSize: 2, productPackSize: 1, observed: { ...base.observed, amountMinor: 19000 } },
  ],
  ['site VAT', { ...base, siteVat: { included: true, rate: 20 }, observed: { ...base.observed, amountMinor: 11900 } }],
  [
    'suspend promo',
    {
      ...base,
      promos: [{ kind: 'suspend', startsAt: '2026-05-01T00:00', endsAt: '2026-07-01T00:00', timeZone: 'UTC' }],
    },
  ],
  [
    'lower promo',
    {
      ...base,
      promos: [
        { kind: 'lower', percentOff: 10, startsAt: '2026-05-01T00:00', endsAt: '2026-07-01T00:00', timeZone: 'UTC' },
      ],
    },
  ],
  ['currency mismatch', { ...base, observed: { ...base.observed, currency: 'EUR' } }],
  ['no MAP', { ...base, mapPrices: [] }],
  ['bad observed', { ...base, observed: { ...base.observed, amountMinor: -1 } }],
  ['bad MAP window', { ...base, mapPrices: [{ ...usdMap, effectiveTo: new Date('2025-01-01') }] }],
  ['bad site VAT', { ...base, siteVat: { included: true, rate: 120 } }],
  ['bad policy', { ...base, severityBands: [] }],
  [
    'bad everywhere',
    {
      ...base,
      observed: { ...base.observed, currency: 'XX' },
      listingPackSize: 0,
      productPackSize: 0,
      siteVat: { included: true, rate: -1 },
      promos: [{ kind: 'lower', startsAt: '2026-05-01T00:00', endsAt: '2026-07-01T00:00', timeZone: 'Mars/Base' }],
      tolerance: { percent: 100 },
      severityBands: [],
    },
  ],
];

describe('compare rules parsed once per rules object', () => {
  it.each(cases)('%s: the split, cached comparison gives the flat verdict, again from the cache', (_, input) => {
    const flat = compareToMap(input);
    const { observed, rules } = split(input);
    expect(compareWithRules(observed, rules)).toEqual(flat);
    expect(compareWithRules(observed, rules)).toEqual(flat);
  });

  it('lists issues of several parts in the flat order', () => {
    const input = cases.at(-1)![1];
    const verdict = compareWithRules(split(input).observed, split(input).rules);
    expect(verdict.kind === 'not_comparable' && verdict.detail.split('; ').map((s) => s.split(':')[0])).toEqual([
      'observed.currency',
      'listingPackSize',
      'productPackSize',
      'siteVat.rate',
      'promos.0.timeZone',
      'promos.0.kind',
      'tolerance.percent',
      'severityBands',
    ]);
  });

  it('parses a rules object once, and again when one of its parts was replaced', () => {
    const { rules } = split({ ...base, siteVat: { included: true, rate: 20 } });
    const first = parseCompareRules(rules);
    const second = parseCompareRules(rules);
    first.forEach((part, i) => expect(second[i]).toBe(part));

    rules.product.rules.mapPrices = [{ ...usdMap, mapMinor: 12000 }];
    const third = parseCompareRules(rules);
    expect(third[0]).not.toBe(first[0]);
    expect(third[0].ok && third[0].data.mapPrices[0]!.mapMinor).toBe(12000);
    expect(third[2]).toBe(first[2]);
  });

  it('one product rules object serves many listings with their own reads', () => {
    const keys = { product: {}, site: {}, policy: {} };
    for (const amountMinor of [8000, 9000, 9999, 10000, 12000]) {
      const input = { ...base, observed: { ...base.observed, amountMinor } };
      const { observed, rules } = split(input, keys);
      expect(compareWithRules(observed, rules)).toEqual(compareToMap(input));
    }
  });
});
