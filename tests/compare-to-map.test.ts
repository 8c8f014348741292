import { describe, expect, it } from 'vitest';
import { compareToMap, type Verdict } from '../src/compare/compare-to-map.js';
import type { ComparisonInput, MapPriceInput, PromoWindowInput } from '../src/compare/schemas.js';

const d = (iso: string) => new Date(iso);
const JUNE = d('2026-06-01T12:00:00Z');
const bands = [
  { name: 'low', minPercentBelow: 0 },
  { name: 'medium', minPercentBelow: 5 },
  { name: 'high', minPercentBelow: 15 },
];
const usdMap = (mapMinor = 10000, over: Partial<MapPriceInput> = {}): MapPriceInput => ({
  currency: 'USD',
  mapMinor,
  listMinor: null,
  effectiveFrom: d('2026-01-01T00:00:00Z'),
  effectiveTo: null,
  ...over,
});

type Over = Omit<Partial<ComparisonInput>, 'observed'> & { observed?: Partial<ComparisonInput['observed']> };
function input(over: Over = {}): ComparisonInput {
  const { observed, ...rest } = over;
  return {
    observed: { amountMinor: 10000, currency: 'USD', capturedAt: JUNE, ...observed },
    listingPackSize: 1,
    productPackSize: 1,
    mapIncludesVat: false,
    mapPrices: [usdMap()],
    promos: [],
    tolerance: {},
    severityBands: bands,
    ...rest,
  };
}
const obs = (amountMinor: number, currency = 'USD', capturedAt = JUNE) => ({
  observed: { amountMinor, currency, capturedAt },
});

type Case = [name: string, over: Over, want: Partial<Record<string, unknown>>];
function run(cases: Case[]) {
  it.each(cases)('%s', (_name, over, want) => {
    expect(compareToMap(input(over))).toMatchObject(want);
  });
}

describe('compareToMap: exact boundary', () => {
  run([
    [
      'equal to MAP -> compliant',
      obs(10000),
      { kind: 'compliant', mapMinor: 10000, normalizedMinor: 10000, currency: 'USD' },
    ],
    ['above MAP -> compliant', obs(15000), { kind: 'compliant', normalizedMinor: 15000 }],
    [
      'one minor unit below -> violation',
      obs(9999),
      {
        kind: 'violation',
        mapMinor: 10000,
        normalizedMinor: 9999,
        belowMinor: 1,
        percentBelow: 0.01,
        severity: 'low',
        currency: 'USD',
      },
    ],
    ['lower-case observed currency is accepted', obs(9999, 'usd'), { kind: 'violation', currency: 'USD' }],
  ]);
});

describe('compareToMap: tolerance (either suffices)', () => {
  run([
    [
      'abs 100: MAP-100 compliant',
      { ...obs(9900), tolerance: { absMinor: 100 } },
      { kind: 'compliant', rule: { tolerance: { absMinor: 100, percent: null, thresholdMinor: 9900 } } },
    ],
    [
      'abs 100: MAP-101 violation',
      { ...obs(9899), tolerance: { absMinor: 100 } },
      { kind: 'violation', belowMinor: 101, percentBelow: 1.01 },
    ],
    ['percent 2: MAP-2% compliant', { ...obs(9800), tolerance: { percent: 2 } }, { kind: 'compliant' }],
    [
      'percent 2: one below violation',
      { ...obs(9799), tolerance: { percent: 2 } },
      { kind: 'violation', belowMinor: 201 },
    ],
    [
      'percent 2.5 of 999 = 24.975: 975 compliant',
      { ...obs(975), mapPrices: [usdMap(999)], tolerance: { percent: 2.5 } },
      {
        kind: 'compliant',
        rule: { tolerance: { thresholdMinor: 975 } },
      },
    ],
    [
      'percent 2.5 of 999: 974 violation',
      { ...obs(974), mapPrices: [usdMap(999)], tolerance: { percent: 2.5 } },
      { kind: 'violation', belowMinor: 25 },
    ],
    [
      'percent 57 float trap: 4300 is exactly at 10000*(1-0.57)',
      { ...obs(4300), tolerance: { percent: 57 } },
      { kind: 'compliant' },
    ],
    [
      'both: percent 1 (100) beats abs 50',
      { ...obs(9900), tolerance: { absMinor: 50, percent: 1 } },
      { kind: 'compliant' },
    ],
    [
      'both: abs 300 beats percent 1',
      { ...obs(9700), tolerance: { absMinor: 300, percent: 1 } },
      { kind: 'compliant' },
    ],
    [
      'both: beyond either -> violation',
      { ...obs(9699), tolerance: { absMinor: 300, percent: 1 } },
      { kind: 'violation' },
    ],
    ['tolerance 0 explicitly', { ...obs(9999), tolerance: { absMinor: 0, percent: 0 } }, { kind: 'violation' }],
    [
      'abs tolerance larger than MAP: everything compliant',
      { ...obs(1), tolerance: { absMinor: 20000 } },
      {
        kind: 'compliant',
        rule: { tolerance: { thresholdMinor: 0 } },
      },
    ],
  ]);
});

describe('compareToMap: currency exponents', () => {
  const jpy = usdMap(12800, { currency: 'JPY' });
  const kwd = usdMap(25500, { currency: 'KWD' }); // 25.500 KWD
  run([
    ['JPY at MAP', { ...obs(12800, 'JPY'), mapPrices: [jpy] }, { kind: 'compliant', currency: 'JPY' }],
    [
      'JPY one yen below',
      { ...obs(12799, 'JPY'), mapPrices: [jpy] },
      { kind: 'violation', belowMinor: 1, percentBelow: 0.01 },
    ],
    [
      'JPY 20 % below -> high',
      { ...obs(10240, 'JPY'), mapPrices: [jpy] },
      { kind: 'violation', percentBelow: 20, severity: 'high' },
    ],
    ['KWD at MAP', { ...obs(25500, 'KWD'), mapPrices: [kwd] }, { kind: 'compliant' }],
    [
      'KWD one fils below',
      { ...obs(25499, 'KWD'), mapPrices: [kwd] },
      { kind: 'violation', belowMinor: 1, percentBelow: 0 },
    ],
    [
      'KWD 5 % below exactly -> medium',
      { ...obs(24225, 'KWD'), mapPrices: [kwd] },
      { kind: 'violation', belowMinor: 1275, percentBelow: 5, severity: 'medium' },
    ],
  ]);
});

describe('compareToMap: pack sizes (exact, never rounded before deciding)', () => {
  run([
    [
      '2-pack at 2 x MAP -> compliant',
      { ...obs(20000), listingPackSize: 2 },
      { kind: 'compliant', normalizedMinor: 10000 },
    ],
    [
      '2-pack at 2 x MAP - 1 -> violation (9999.5 per unit)',
      { ...obs(19999), listingPackSize: 2 },
      {
        kind: 'violation',
        normalizedMinor: 9999,
        belowMinor: 1,
        percentBelow: 0.01, // 0.005 % rounds half-up
        rule: { normalizedExact: '19999/2', packFactor: { listingPackSize: 2, productPackSize: 1 } },
      },
    ],
    [
      '6-pack vs product 2-pack at 3 x MAP -> compliant',
      { ...obs(6000), listingPackSize: 6, productPackSize: 2, mapPrices: [usdMap(2000)] },
      {
        kind: 'compliant',
        normalizedMinor: 2000,
      },
    ],
    [
      '6-pack vs product 2-pack at 3 x MAP - 1 -> violation',
      { ...obs(5999), listingPackSize: 6, productPackSize: 2, mapPrices: [usdMap(2000)] },
      {
        kind: 'violation',
        normalizedMinor: 1999,
        belowMinor: 1,
        percentBelow: 0.02,
        rule: { normalizedExact: '5999/3' },
      },
    ],
    [
      'single sold vs MAP per 3-pack',
      { ...obs(3334), productPackSize: 3 },
      { kind: 'compliant', normalizedMinor: 10002 },
    ],
    [
      '3-pack, compliant fractional normalized is rounded UP for display',
      { ...obs(10000), listingPackSize: 3, mapPrices: [usdMap(3333)] },
      {
        kind: 'compliant',
        normalizedMinor: 3334,
        rule: { normalizedExact: '10000/3' },
      },
    ],
  ]);
});

describe('compareToMap: VAT', () => {
  const gross20 = { siteVat: { included: true, rate: 20 } };
  const net20 = { siteVat: { included: false, rate: 20 } };
  run([
    [
      'gross site, net MAP: 1200 incl. 20 % = 1000 net -> compliant',
      { ...obs(1200), ...gross20, mapPrices: [usdMap(1000)] },
      {
        kind: 'compliant',
        normalizedMinor: 1000,
        rule: { vatAdjustment: 'removed', vatRatePercent: 20 },
      },
    ],
    [
      'gross site, net MAP: 1199 incl. = 999.17 net -> violation (gross MAP is 1200)',
      { ...obs(1199), ...gross20, mapPrices: [usdMap(1000)] },
      {
        kind: 'violation',
        normalizedMinor: 999,
        belowMinor: 1,
        percentBelow: 0.08,
      },
    ],
    [
      'gross site, net MAP 999 (gross 1198.8): 1199 -> compliant, shown rounded up',
      { ...obs(1199), ...gross20, mapPrices: [usdMap(999)] },
      {
        kind: 'compliant',
        normalizedMinor: 1000,
      },
    ],
    [
      'gross site, net MAP 999 (gross 1198.8): 1198 -> violation',
      { ...obs(1198), ...gross20, mapPrices: [usdMap(999)] },
      {
        kind: 'violation',
        normalizedMinor: 998,
        belowMinor: 1,
      },
    ],
    [
      'net site, gross MAP: 1000 + 20 % = 1200 -> compliant',
      { ...obs(1000), ...net20, mapIncludesVat: true, mapPrices: [usdMap(1200)] },
      {
        kind: 'compliant',
        normalizedMinor: 1200,
        rule: { vatAdjustment: 'added' },
      },
    ],
    [
      'net site, gross MAP: 999 + 20 % = 1198.8 -> violation',
      { ...obs(999), ...net20, mapIncludesVat: true, mapPrices: [usdMap(1200)] },
      {
        kind: 'violation',
        normalizedMinor: 1198,
        belowMinor: 2,
        percentBelow: 0.1,
      },
    ],
    [
      '7.7 % read exactly: 1077 gross = 1000 net',
      { ...obs(1077), siteVat: { included: true, rate: 7.7 }, mapPrices: [usdMap(1000)] },
      {
        kind: 'compliant',
        normalizedMinor: 1000,
      },
    ],
    [
      'no site VAT config: assumed on MAP basis',
      { ...obs(1199), mapIncludesVat: true, mapPrices: [usdMap(1200)] },
      {
        kind: 'violation',
        belowMinor: 1,
        rule: { vatAdjustment: 'none', vatRatePercent: null },
      },
    ],
    [
      'gross site and gross MAP: no adjustment',
      { ...obs(1200), ...gross20, mapIncludesVat: true, mapPrices: [usdMap(1200)] },
      {
        kind: 'compliant',
        rule: { vatAdjustment: 'none' },
      },
    ],
    [
      'pack and VAT together: 2-pack 2399 incl. 20 % vs net MAP 1000',
      { ...obs(2399), ...gross20, listingPackSize: 2, mapPrices: [usdMap(1000)] },
      {
        kind: 'violation',
        normalizedMinor: 999,
        belowMinor: 1,
      },
    ],
  ]);
});

describe('compareToMap: MAP windows and currencies', () => {
  const jan = usdMap(10000, { effectiveFrom: d('2026-01-01T00:00:00Z'), effectiveTo: d('2026-02-01T00:00:00Z') });
  const feb = usdMap(9000, { effectiveFrom: d('2026-02-01T00:00:00Z'), effectiveTo: null });
  const eur = usdMap(9500, { currency: 'EUR', listMinor: 11900 });
  run([
    [
      'effectiveFrom inclusive',
      { ...obs(9999, 'USD', d('2026-01-01T00:00:00Z')), mapPrices: [jan, feb] },
      { kind: 'violation', mapMinor: 10000 },
    ],
    [
      'effectiveTo exclusive: the next window applies',
      { ...obs(9999, 'USD', d('2026-02-01T00:00:00Z')), mapPrices: [jan, feb] },
      {
        kind: 'compliant',
        mapMinor: 9000,
        rule: { effectiveFrom: d('2026-02-01T00:00:00Z'), effectiveTo: null },
      },
    ],
    [
      'last ms of a closed window',
      { ...obs(9999, 'USD', d('2026-01-31T23:59:59.999Z')), mapPrices: [jan] },
      { kind: 'violation' },
    ],
    [
      'after a closed window -> no_map_in_effect',
      { ...obs(9999, 'USD', d('2026-02-01T00:00:00Z')), mapPrices: [jan] },
      {
        kind: 'not_comparable',
        reason: 'no_map_in_effect',
      },
    ],
    [
      'before any window -> no_map_in_effect',
      { ...obs(9999, 'USD', d('2025-06-01T00:00:00Z')), mapPrices: [jan, eur] },
      {
        kind: 'not_comparable',
        reason: 'no_map_in_effect',
      },
    ],
    [
      'no MAP rows at all -> no_map_in_effect',
      { ...obs(9999), mapPrices: [] },
      { kind: 'not_comparable', reason: 'no_map_in_effect' },
    ],
    [
      'picks the observed currency among several',
      { ...obs(9499, 'EUR'), mapPrices: [feb, eur] },
      {
        kind: 'violation',
        mapMinor: 9500,
        currency: 'EUR',
        rule: { listMinor: 11900 },
      },
    ],
    [
      'MAP only in another currency -> currency_mismatch',
      { ...obs(9999, 'GBP'), mapPrices: [feb, eur] },
      {
        kind: 'not_comparable',
        reason: 'currency_mismatch',
        detail: expect.stringContaining('EUR, USD'),
      },
    ],
    [
      'other-currency MAP not in effect yet -> no_map_in_effect',
      { ...obs(9999, 'GBP', d('2025-06-01T00:00:00Z')), mapPrices: [eur] },
      {
        kind: 'not_comparable',
        reason: 'no_map_in_effect',
      },
    ],
  ]);
});

describe('compareToMap: promo windows', () => {
  const nyBF = (over: Partial<PromoWindowInput> = {}): PromoWindowInput => ({
    startsAt: '2026-11-27T00:00',
    endsAt: '2026-11-28T00:00',
    timeZone: 'America/New_York',
    kind: 'suspend',
    note: 'Black Friday',
    ...over,
  });
  const nov = (iso: string, amount = 8000) => obs(amount, 'USD', d(iso));
  // Berlin, spring-forward day 2026-03-29 (23 h), 10 % off for the local day.
  const berlinDst: PromoWindowInput = {
    startsAt: '2026-03-29T00:00',
    endsAt: '2026-03-30T00:00',
    timeZone: 'Europe/Berlin',
    kind: 'lower',
    percentOff: 10,
  };
  const eurMap = usdMap(10000, { currency: 'EUR' });
  run([
    [
      'suspend active -> map_suspended, not a violation',
      { ...nov('2026-11-27T12:00:00Z'), promos: [nyBF()] },
      {
        kind: 'not_comparable',
        reason: 'map_suspended',
        detail: expect.stringContaining('Black Friday'),
        rule: {
          promo: {
            kind: 'suspend',
            startsAtInstant: d('2026-11-27T05:00:00Z'),
            endsAtInstant: d('2026-11-28T05:00:00Z'),
          },
        },
      },
    ],
    [
      'suspend starts at local midnight (05:00Z), inclusive',
      { ...nov('2026-11-27T05:00:00Z'), promos: [nyBF()] },
      { reason: 'map_suspended' },
    ],
    [
      'one ms before NY midnight start -> enforced',
      { ...nov('2026-11-27T04:59:59.999Z'), promos: [nyBF()] },
      { kind: 'violation' },
    ],
    [
      'window ending at local midnight: last ms still suspended',
      { ...nov('2026-11-28T04:59:59.999Z'), promos: [nyBF()] },
      { reason: 'map_suspended' },
    ],
    [
      'window ending at local midnight: midnight is enforced again',
      { ...nov('2026-11-28T05:00:00Z'), promos: [nyBF()] },
      { kind: 'violation' },
    ],
    [
      'lower to 8000: 8000 compliant',
      { ...nov('2026-11-27T12:00:00Z'), promos: [nyBF({ kind: 'lower', mapMinor: 8000, currency: 'USD' })] },
      {
        kind: 'compliant',
        mapMinor: 8000,
        rule: { baseMapMinor: 10000, promo: { kind: 'lower', mapMinor: 8000 } },
      },
    ],
    [
      'lower to 8000: 7999 violation relative to lowered MAP',
      { ...nov('2026-11-27T12:00:00Z', 7999), promos: [nyBF({ kind: 'lower', mapMinor: 8000, currency: 'USD' })] },
      {
        kind: 'violation',
        mapMinor: 8000,
        belowMinor: 1,
        percentBelow: 0.01,
      },
    ],
    [
      'suspend wins over an overlapping lower',
      {
        ...nov('2026-11-27T12:00:00Z', 1),
        promos: [nyBF({ kind: 'lower', percentOff: 10 }), nyBF()],
      },
      { reason: 'map_suspended' },
    ],
    [
      'two lowers: lowest MAP wins (15 % off = 8500 vs 9000)',
      {
        ...nov('2026-11-27T12:00:00Z', 8500),
        promos: [nyBF({ kind: 'lower', mapMinor: 9000, currency: 'USD' }), nyBF({ kind: 'lower', percentOff: 15 })],
      },
      { kind: 'compliant', mapMinor: 8500, rule: { promo: { percentOff: 15 } } },
    ],
    [
      'one lower row with both mapMinor and percentOff: the lower result applies',
      {
        ...nov('2026-11-27T12:00:00Z', 8500),
        promos: [nyBF({ kind: 'lower', mapMinor: 9000, percentOff: 15, currency: 'USD' })],
      },
      { kind: 'compliant', mapMinor: 8500 },
    ],
    [
      '12.5 % off 9999 lowers to 8749 (rounded down): 8749 compliant',
      {
        ...nov('2026-11-27T12:00:00Z', 8749),
        mapPrices: [usdMap(9999)],
        promos: [nyBF({ kind: 'lower', percentOff: 12.5 })],
      },
      { kind: 'compliant', mapMinor: 8749 },
    ],
    [
      'promo scoped to EUR does not suspend the USD MAP',
      { ...nov('2026-11-27T12:00:00Z'), promos: [nyBF({ currency: 'EUR' })] },
      { kind: 'violation' },
    ],
    [
      'Berlin DST day: starts 00:00 CET = 23:00Z the day before',
      { ...obs(9000, 'EUR', d('2026-03-28T23:00:00Z')), mapPrices: [eurMap], promos: [berlinDst] },
      {
        kind: 'compliant',
        mapMinor: 9000,
      },
    ],
    [
      'Berlin DST day: still on at 21:59:59Z (23:59:59 CEST)',
      { ...obs(9000, 'EUR', d('2026-03-29T21:59:59Z')), mapPrices: [eurMap], promos: [berlinDst] },
      {
        kind: 'compliant',
        mapMinor: 9000,
      },
    ],
    [
      'Berlin DST day: ends 00:00 CEST = 22:00Z, one hour earlier than in winter',
      { ...obs(9000, 'EUR', d('2026-03-29T22:00:00Z')), mapPrices: [eurMap], promos: [berlinDst] },
      {
        kind: 'violation',
        mapMinor: 10000,
        percentBelow: 10,
        severity: 'medium',
      },
    ],
    [
      'Berlin fall-back: window ending 02:30 (ambiguous) ends at the earlier 02:30',
      {
        ...obs(9000, 'EUR', d('2026-10-25T00:30:00Z')),
        mapPrices: [eurMap],
        promos: [
          { startsAt: '2026-10-24T00:00', endsAt: '2026-10-25T02:30', timeZone: 'Europe/Berlin', kind: 'suspend' },
        ],
      },
      { kind: 'violation' },
    ],
    [
      'NY fall-back day: suspend through the repeated 01:xx hour, until 02:00 EST',
      {
        ...nov('2026-11-01T06:30:00Z'), // 01:30 EST, the second 01:30
        promos: [
          { startsAt: '2026-11-01T00:00', endsAt: '2026-11-01T02:00', timeZone: 'America/New_York', kind: 'suspend' },
        ],
      },
      { reason: 'map_suspended' },
    ],
    ['expired promo is ignored', { ...nov('2026-12-01T12:00:00Z'), promos: [nyBF()] }, { kind: 'violation' }],
  ]);
});

describe('compareToMap: severity bands', () => {
  run([
    ['4.99 % -> low', obs(9501), { kind: 'violation', percentBelow: 4.99, severity: 'low' }],
    ['exactly 5 % -> medium', obs(9500), { kind: 'violation', percentBelow: 5, severity: 'medium' }],
    ['exactly 15 % -> high', obs(8500), { kind: 'violation', percentBelow: 15, severity: 'high' }],
    [
      '4.996 % displays 5 but stays low (exact)',
      { ...obs(95004), mapPrices: [usdMap(100000)] },
      { kind: 'violation', percentBelow: 5, severity: 'low' },
    ],
    [
      '57 % exactly meets a 57 % band (float would say 56.999...)',
      {
        ...obs(43),
        mapPrices: [usdMap(100)],
        severityBands: [
          { name: 'low', minPercentBelow: 0 },
          { name: 'severe', minPercentBelow: 57 },
        ],
      },
      { kind: 'violation', percentBelow: 57, severity: 'severe' },
    ],
    [
      'percent is relative to the lowered MAP',
      {
        ...obs(7600, 'USD', d('2026-11-27T12:00:00Z')),
        promos: [
          {
            startsAt: '2026-11-27T00:00',
            endsAt: '2026-11-28T00:00',
            timeZone: 'America/New_York',
            kind: 'lower',
            mapMinor: 8000,
            currency: 'USD',
          },
        ],
      },
      { kind: 'violation', mapMinor: 8000, belowMinor: 400, percentBelow: 5, severity: 'medium' },
    ],
  ]);
});

describe('compareToMap: invalid_input (never throws)', () => {
  const cases: [string, Over, RegExp][] = [
    ['zero amount', obs(0), /amountMinor/],
    ['negative amount', obs(-100), /amountMinor/],
    ['fractional amount', obs(99.5), /amountMinor/],
    ['NaN amount', obs(Number.NaN), /amountMinor/],
    ['unsafe amount', obs(2 ** 53), /amountMinor/],
    ['unknown observed currency', obs(100, 'XYZ'), /currency/],
    ['invalid capture date', obs(100, 'USD', new Date('nope')), /capturedAt/],
    ['listing pack 0', { listingPackSize: 0 }, /listingPackSize/],
    ['product pack 0.5', { productPackSize: 0.5 }, /productPackSize/],
    ['MAP row in an unknown currency', { mapPrices: [usdMap(100, { currency: 'ABC' })] }, /mapPrices\.0\.currency/],
    ['MAP of zero', { mapPrices: [usdMap(0)] }, /mapMinor/],
    [
      'MAP window ending before it starts',
      { mapPrices: [usdMap(100, { effectiveTo: d('2025-01-01T00:00:00Z') })] },
      /effectiveTo/,
    ],
    ['VAT rate over 100', { siteVat: { included: true, rate: 120 } }, /siteVat\.rate/],
    ['tolerance percent 100', { tolerance: { percent: 100 } }, /tolerance\.percent/],
    ['negative abs tolerance', { tolerance: { absMinor: -1 } }, /tolerance\.absMinor/],
    ['no severity bands', { severityBands: [] }, /severityBands/],
    [
      'duplicate band thresholds',
      {
        severityBands: [
          { name: 'a', minPercentBelow: 0 },
          { name: 'b', minPercentBelow: 0 },
        ],
      },
      /severityBands/,
    ],
    [
      'promo with unknown zone',
      {
        promos: [
          { startsAt: '2026-01-01T00:00', endsAt: '2026-01-02T00:00', timeZone: 'Nowhere/Land', kind: 'suspend' },
        ],
      },
      /timeZone/,
    ],
    [
      'promo with bad local time',
      { promos: [{ startsAt: '2026-01-01', endsAt: '2026-01-02T00:00', timeZone: 'UTC', kind: 'suspend' }] },
      /startsAt/,
    ],
    [
      'promo on an impossible date',
      { promos: [{ startsAt: '2026-02-30T00:00', endsAt: '2026-03-02T00:00', timeZone: 'UTC', kind: 'suspend' }] },
      /valid calendar date/,
    ],
    [
      'promo ending before it starts',
      { promos: [{ startsAt: '2026-01-02T00:00', endsAt: '2026-01-01T00:00', timeZone: 'UTC', kind: 'suspend' }] },
      /endsAt/,
    ],
    [
      'lower promo without amount or percent',
      { promos: [{ startsAt: '2026-01-01T00:00', endsAt: '2026-01-02T00:00', timeZone: 'UTC', kind: 'lower' }] },
      /mapMinor or percentOff/,
    ],
    [
      'absolute lower promo without currency',
      {
        promos: [
          { startsAt: '2026-01-01T00:00', endsAt: '2026-01-02T00:00', timeZone: 'UTC', kind: 'lower', mapMinor: 100 },
        ],
      },
      /currency/,
    ],
    [
      'lower promo 100 % off',
      {
        promos: [
          { startsAt: '2026-01-01T00:00', endsAt: '2026-01-02T00:00', timeZone: 'UTC', kind: 'lower', percentOff: 100 },
        ],
      },
      /percentOff/,
    ],
    [
      'suspend promo carrying a MAP',
      {
        promos: [
          {
            startsAt: '2026-01-01T00:00',
            endsAt: '2026-01-02T00:00',
            timeZone: 'UTC',
            kind: 'suspend',
            mapMinor: 100,
            currency: 'USD',
          },
        ],
      },
      /suspend/,
    ],
    [
      'normalized price beyond safe integers',
      { ...obs(Number.MAX_SAFE_INTEGER), productPackSize: 1000 },
      /safe integer/,
    ],
  ];
  it.each(cases)('%s', (_name, over, detail) => {
    let v: Verdict | undefined;
    expect(() => {
      v = compareToMap(input(over));
    }).not.toThrow();
    expect(v).toMatchObject({ kind: 'not_comparable', reason: 'invalid_input' });
    expect(v!.kind === 'not_comparable' && v!.detail).toMatch(detail);
  });

  it('garbage that is not even the right shape', () => {
    const v = compareToMap({} as ComparisonInput);
    expect(v).toMatchObject({ kind: 'not_comparable', reason: 'invalid_input' });
  });
});

describe('compareToMap: the rule explains the verdict', () => {
  it('carries everything evidence needs', () => {
    const v = compareToMap(
      input({
        ...obs(23990, 'EUR'),
        listingPackSize: 2,
        siteVat: { included: true, rate: 19 },
        mapPrices: [usdMap(10500, { currency: 'EUR', listMinor: 12900 })],
        tolerance: { absMinor: 50, percent: 1 },
      }),
    );
    // 23990 / 2 / 1.19 = 10079.83 net per unit; MAP 10500, threshold 10500 - max(50, 105) = 10395.
    expect(v).toEqual({
      kind: 'violation',
      mapMinor: 10500,
      normalizedMinor: 10079,
      belowMinor: 421,
      percentBelow: 4.0,
      severity: 'low',
      currency: 'EUR',
      rule: {
        mapMinor: 10500,
        baseMapMinor: 10500,
        listMinor: 12900,
        currency: 'EUR',
        effectiveFrom: d('2026-01-01T00:00:00Z'),
        effectiveTo: null,
        observedMinor: 23990,
        packFactor: { listingPackSize: 2, productPackSize: 1 },
        vatAdjustment: 'removed',
        vatRatePercent: 19,
        normalizedExact: '1199500/119',
        tolerance: { absMinor: 50, percent: 1, thresholdMinor: 10395 },
      },
    });
  });

  it('does not mutate its input', () => {
    const i = input({ ...obs(9999, 'usd') });
    const copy = structuredClone(i);
    compareToMap(i);
    expect(i).toEqual(copy);
  });
});
