/**
 * The compare stage's guards and edges that mutation testing found unasserted: the exact
 * arithmetic refusing what it cannot do exactly, severity and percent inputs that make no
 * sense, promo and MAP-window precedence, calendar validation of promo times, and the
 * words a reseller reads (verdict details, the price explanation).
 */
import { describe, expect, it } from 'vitest';
import { compareToMap, type Verdict } from '../src/compare/compare-to-map.js';
import { ceilDiv, decimalToFraction, floorDiv, roundHalfUpDiv, toSafeNumber } from '../src/compare/exact-decimal.js';
import { describeBasis, explainPrice } from '../src/compare/explain-price.js';
import { mapInEffect } from '../src/compare/map-in-effect.js';
import { reduce } from '../src/compare/normalize-observed.js';
import { hundredthsBelowMap, percentBelowMap } from '../src/compare/percent-below.js';
import { activePromo, loweredMap } from '../src/compare/promo-window.js';
import type { ComparisonInput, PromoWindow } from '../src/compare/schemas.js';
import { severityFor } from '../src/compare/severity.js';
import { zonedWallTimeToInstant } from '../src/compare/zoned-time.js';

const JUNE = new Date('2026-06-01T12:00:00Z');
const bands = [
  { name: 'low', minPercentBelow: 0 },
  { name: 'medium', minPercentBelow: 5 },
];
const input = (over: Partial<ComparisonInput> = {}): ComparisonInput => ({
  observed: { amountMinor: 10000, currency: 'USD', capturedAt: JUNE },
  listingPackSize: 1,
  productPackSize: 1,
  mapIncludesVat: false,
  mapPrices: [
    { currency: 'USD', mapMinor: 10000, listMinor: null, effectiveFrom: new Date('2026-01-01'), effectiveTo: null },
  ],
  promos: [],
  tolerance: {},
  severityBands: bands,
  ...over,
});

describe('exact decimals', () => {
  it('reads plain and e-notation numbers exactly', () => {
    expect(decimalToFraction(7.7)).toEqual({ num: 77n, den: 10n });
    expect(decimalToFraction(1e-7)).toEqual({ num: 1n, den: 10_000_000n });
    expect(decimalToFraction(2.5e-7)).toEqual({ num: 25n, den: 100_000_000n });
    expect(decimalToFraction(1e21)).toEqual({ num: 10n ** 21n, den: 1n });
    expect(decimalToFraction(0)).toEqual({ num: 0n, den: 1n });
  });

  it('refuses negative and non-finite rates, naming the value', () => {
    expect(() => decimalToFraction(-1)).toThrow('-1 is not a finite non-negative number');
    expect(() => decimalToFraction(-0.5)).toThrow(RangeError);
    expect(() => decimalToFraction(Number.NaN)).toThrow('NaN is not a finite non-negative number');
    expect(() => decimalToFraction(Infinity)).toThrow('Infinity is not a finite non-negative number');
  });

  it('divides with the documented rounding and refuses a negative dividend or a non-positive divisor', () => {
    expect([ceilDiv(0n, 3n), ceilDiv(7n, 2n), ceilDiv(6n, 2n)]).toEqual([0n, 4n, 3n]);
    expect([floorDiv(0n, 3n), floorDiv(7n, 2n)]).toEqual([0n, 3n]);
    expect([roundHalfUpDiv(0n, 3n), roundHalfUpDiv(5n, 2n), roundHalfUpDiv(4n, 3n)]).toEqual([0n, 3n, 1n]);
    for (const [name, f] of [
      ['ceilDiv', ceilDiv],
      ['floorDiv', floorDiv],
      ['roundHalfUpDiv', roundHalfUpDiv],
    ] as const) {
      expect(() => f(-1n, 2n)).toThrow(`${name} expects a >= 0 and b > 0`);
      expect(() => f(1n, 0n)).toThrow(`${name} expects a >= 0 and b > 0`);
      expect(() => f(1n, -2n)).toThrow(RangeError);
    }
  });

  it('converts to a number only inside the safe integer range', () => {
    const max = BigInt(Number.MAX_SAFE_INTEGER);
    const min = BigInt(Number.MIN_SAFE_INTEGER);
    expect(toSafeNumber(max, 'x')).toBe(Number.MAX_SAFE_INTEGER);
    expect(toSafeNumber(min, 'x')).toBe(Number.MIN_SAFE_INTEGER);
    expect(() => toSafeNumber(max + 1n, 'the amount')).toThrow('the amount is outside the safe integer range');
    expect(() => toSafeNumber(min - 1n, 'the amount')).toThrow('the amount is outside the safe integer range');
  });

  it('reduces fractions by their positive greatest common divisor, whatever the sign', () => {
    expect(reduce({ num: 6n, den: 4n })).toEqual({ num: 3n, den: 2n });
    expect(reduce({ num: -6n, den: 4n })).toEqual({ num: -3n, den: 2n });
    expect(reduce({ num: 3n, den: 7n })).toEqual({ num: 3n, den: 7n });
  });
});

describe('severity and percent below: inputs that make no sense are refused', () => {
  it('refuses a bad fraction, a bad shortfall, and no bands, saying which', () => {
    expect(() => severityFor({ num: 1n, den: 0n }, bands)).toThrow('percent fraction needs num >= 0 and den > 0');
    expect(() => severityFor({ num: 1n, den: -1n }, bands)).toThrow(RangeError);
    expect(() => severityFor({ num: -1n, den: 1n }, bands)).toThrow('percent fraction needs num >= 0 and den > 0');
    const shortfall = 'shortfall needs integer belowMinor >= 0 and mapMinor > 0';
    expect(() => severityFor({ belowMinor: 1.5, mapMinor: 100 }, bands)).toThrow(shortfall);
    expect(() => severityFor({ belowMinor: 1, mapMinor: 100.5 }, bands)).toThrow(shortfall);
    expect(() => severityFor({ belowMinor: 1, mapMinor: 0 }, bands)).toThrow(shortfall);
    expect(() => severityFor({ belowMinor: 1, mapMinor: -100 }, bands)).toThrow(shortfall);
    expect(() => severityFor({ belowMinor: -1, mapMinor: 100 }, bands)).toThrow(shortfall);
    expect(() => severityFor(10, [])).toThrow('no severity bands configured');
  });

  it('accepts a zero shortfall and a zero fraction (lowest band)', () => {
    expect(severityFor({ belowMinor: 0, mapMinor: 100 }, bands)).toBe('low');
    expect(severityFor({ num: 0n, den: 1n }, bands)).toBe('low');
  });

  it('compares a fraction with a fractional band exactly (cross-multiplied)', () => {
    const half = [
      { name: 'low', minPercentBelow: 0 },
      { name: 'high', minPercentBelow: 5.5 },
    ];
    expect(severityFor({ num: 6n, den: 1n }, half)).toBe('high');
    expect(severityFor({ num: 54n, den: 10n }, half)).toBe('low');
    expect(severityFor({ num: 11n, den: 2n }, half)).toBe('high');
  });

  it('refuses a MAP that is not positive', () => {
    expect(() => hundredthsBelowMap(100, 0)).toThrow('MAP must be positive, got 0');
    expect(() => percentBelowMap(100, -5)).toThrow('MAP must be positive, got -5');
    expect(hundredthsBelowMap(100, 100)).toBe(0n);
  });
});

describe('promo precedence', () => {
  const promo = (extra: Partial<PromoWindow>): PromoWindow => ({
    startsAt: '2026-05-01T00:00',
    endsAt: '2026-07-01T00:00',
    timeZone: 'UTC',
    kind: 'lower',
    ...extra,
  });
  const base = { mapMinor: 10000, currency: 'USD' };

  it('a promo scoped to no currency (null) applies to every MAP', () => {
    const p = promo({ currency: null, percentOff: 10 });
    expect(activePromo([p], JUNE, base)).toBe(p);
  });

  it('a null absolute MAP or a null percent is simply not set', () => {
    expect(loweredMap(base, promo({ mapMinor: null, percentOff: 10 }))).toBe(9000);
    expect(loweredMap(base, promo({ mapMinor: 8000, currency: 'USD', percentOff: null }))).toBe(8000);
  });

  it('refuses a percentOff of 100 or more instead of enforcing a MAP of zero', () => {
    expect(() => loweredMap(base, promo({ percentOff: 100 }))).toThrow('percentOff must be below 100');
    expect(() => loweredMap(base, promo({ percentOff: 120 }))).toThrow(RangeError);
  });

  it('among overlapping lower promos the lowest MAP wins, wherever it is listed; a tie goes to the first', () => {
    const deep = promo({ percentOff: 30, note: 'deep' });
    const shallow = promo({ percentOff: 10, note: 'shallow' });
    expect(activePromo([deep, shallow], JUNE, base)).toBe(deep);
    expect(activePromo([shallow, deep], JUNE, base)).toBe(deep);
    const first = promo({ percentOff: 20, note: 'first' });
    const second = promo({ mapMinor: 8000, currency: 'USD', note: 'second' });
    expect(activePromo([first, second], JUNE, base)).toBe(first);
  });
});

describe('MAP windows starting at the same instant', () => {
  it('the lower MAP wins in either order; a later start still beats a lower MAP', () => {
    const w = (mapMinor: number, from: string) => ({
      currency: 'USD',
      mapMinor,
      effectiveFrom: new Date(from),
      effectiveTo: null,
    });
    const low = w(9000, '2026-01-01');
    const high = w(9500, '2026-01-01');
    expect(mapInEffect([low, high], 'USD', JUNE)).toBe(low);
    expect(mapInEffect([high, low], 'USD', JUNE)).toBe(low);
    const newer = w(9900, '2026-03-01');
    expect(mapInEffect([newer, low], 'USD', JUNE)).toBe(newer);
    expect(mapInEffect([low, newer], 'USD', JUNE)).toBe(newer);
  });
});

describe('promo wall times: calendar validation', () => {
  const bad = (local: string) =>
    expect(() => zonedWallTimeToInstant(local, 'UTC')).toThrow(`"${local}" is not a valid calendar date and time`);
  it('refuses impossible dates and times', () => {
    for (const t of [
      '2026-00-10T00:00',
      '2026-13-10T00:00',
      '2026-01-00T00:00',
      '2026-01-32T00:00',
      '2026-02-29T00:00',
      '2026-04-31T00:00',
      '2026-01-10T24:00',
      '2026-01-10T10:60',
      '2026-01-10T10:00:60',
    ])
      bad(t);
  });

  it('accepts the last valid values of every field', () => {
    expect(zonedWallTimeToInstant('2026-12-31T23:59:59', 'UTC').toISOString()).toBe('2026-12-31T23:59:59.000Z');
    expect(zonedWallTimeToInstant('2028-02-29T00:00', 'UTC').toISOString()).toBe('2028-02-29T00:00:00.000Z');
    expect(zonedWallTimeToInstant('2026-01-01T00:00:00', 'UTC').toISOString()).toBe('2026-01-01T00:00:00.000Z');
  });

  it('names the expected form of a malformed time', () => {
    expect(() => zonedWallTimeToInstant('2026-01-01 10:00', 'UTC')).toThrow(
      '"2026-01-01 10:00" is not a local time of the form YYYY-MM-DDTHH:mm[:ss]',
    );
  });
});

describe('verdict details a reader sees', () => {
  it('lists every invalid field, joined, and names a bad whole input', () => {
    const v = compareToMap(input({ listingPackSize: 0, productPackSize: -1 }));
    expect(v.kind).toBe('not_comparable');
    const detail = (v as { detail: string }).detail;
    expect(detail).toMatch(/^listingPackSize: .+; productPackSize: .+$/);
    const whole = compareToMap(null as unknown as ComparisonInput);
    expect(whole).toMatchObject({ kind: 'not_comparable', reason: 'invalid_input' });
    expect((whole as { detail: string }).detail).toMatch(/^\(input\): /);
  });

  it('says when no MAP is in effect', () => {
    expect(compareToMap(input({ mapPrices: [] }))).toEqual({
      kind: 'not_comparable',
      reason: 'no_map_in_effect',
      detail: 'no MAP in effect at 2026-06-01T12:00:00.000Z',
    });
  });

  it('names the suspending promo window, with its note when it has one', () => {
    const suspend = { startsAt: '2026-05-01T00:00', endsAt: '2026-07-01T00:00', timeZone: 'Europe/Paris' };
    const plain = compareToMap(input({ promos: [{ ...suspend, kind: 'suspend' }] }));
    expect(plain).toMatchObject({
      reason: 'map_suspended',
      detail: 'MAP suspended by promo 2026-05-01T00:00 to 2026-07-01T00:00 Europe/Paris',
    });
    const noted = compareToMap(input({ promos: [{ ...suspend, kind: 'suspend', note: 'summer sale' }] }));
    expect(noted).toMatchObject({
      detail: 'MAP suspended by promo 2026-05-01T00:00 to 2026-07-01T00:00 Europe/Paris (summer sale)',
    });
  });

  it('gives a whole normalized price as a plain integer, a fraction as n/d', () => {
    expect(compareToMap(input())).toMatchObject({ kind: 'compliant', rule: { normalizedExact: '10000' } });
    const pack = compareToMap(
      input({ listingPackSize: 3, observed: { amountMinor: 29999, currency: 'USD', capturedAt: JUNE } }),
    );
    expect(pack).toMatchObject({ rule: { normalizedExact: '29999/3' } });
  });

  it('turns a product beyond the safe integer range into invalid input, not a throw', () => {
    const v = compareToMap(
      input({
        productPackSize: 4,
        observed: { amountMinor: Number.MAX_SAFE_INTEGER, currency: 'USD', capturedAt: JUNE },
      }),
    );
    expect(v).toEqual({
      kind: 'not_comparable',
      reason: 'invalid_input',
      detail: 'normalized amount is outside the safe integer range',
    });
  });
});

describe('explainPrice: every kind of verdict', () => {
  const v = (over: Partial<ComparisonInput>) => compareToMap(input(over));

  it('with no verdict and no price says so, and describes no basis', () => {
    expect(explainPrice(null, 'USD', null)).toEqual({
      advertised: 'no price',
      compared: 'no price',
      map: null,
      basis: '',
      line: 'advertised no price',
    });
    expect(explainPrice(1999, null, null).advertised).toBe('no price');
    expect(describeBasis(undefined)).toBe('');
  });

  it('a verdict that was not compared shows the MAP when known and why it was not compared', () => {
    const suspended = v({
      promos: [{ startsAt: '2026-05-01T00:00', endsAt: '2026-07-01T00:00', timeZone: 'UTC', kind: 'suspend' }],
    });
    expect(explainPrice(9000, 'USD', suspended)).toEqual({
      advertised: 'USD 90.00',
      compared: 'USD 90.00',
      map: 'USD 100.00',
      basis: '',
      line: 'advertised USD 90.00 · MAP USD 100.00 · not compared: MAP suspended by promo 2026-05-01T00:00 to 2026-07-01T00:00 UTC',
    });
    const none = v({ mapPrices: [] });
    expect(explainPrice(9000, 'USD', none).line).toBe(
      'advertised USD 90.00 · not compared: no MAP in effect at 2026-06-01T12:00:00.000Z',
    );
  });

  it('a compliant net price with VAT added and a pack restated says both, joined', () => {
    const verdict: Verdict = v({
      siteVat: { included: false, rate: 10 },
      mapIncludesVat: true,
      listingPackSize: 2,
      observed: { amountMinor: 20000, currency: 'USD', capturedAt: JUNE },
    });
    const e = explainPrice(20000, 'USD', verdict);
    expect(e.basis).toBe(
      'the page price excludes VAT and the MAP includes 10% VAT, so the price with VAT is compared; ' +
        'the page sells a pack of 2 and the MAP is for 1, so the price per 1 is compared',
    );
    expect(e.line).toBe(
      'advertised USD 200.00 · compared at USD 110.00 with VAT per 1 vs MAP USD 100.00: at or above MAP',
    );
  });
});
