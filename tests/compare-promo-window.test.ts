import { describe, expect, it } from 'vitest';
import { activePromo, isPromoActive, loweredMap } from '../src/compare/promo-window.js';
import type { PromoWindow } from '../src/compare/schemas.js';

const ny = (startsAt: string, endsAt: string, extra: Partial<PromoWindow> = {}): PromoWindow => ({
  startsAt,
  endsAt,
  timeZone: 'America/New_York',
  kind: 'suspend',
  ...extra,
});
const at = (iso: string) => new Date(iso);

describe('isPromoActive (half-open, own time zone)', () => {
  // Black Friday in New York: 2026-11-27 00:00 EST = 05:00Z to 2026-11-28 00:00 EST = 05:00Z next day.
  const bf = ny('2026-11-27T00:00', '2026-11-28T00:00');
  it.each([
    ['2026-11-27T04:59:59.999Z', false, 'just before local midnight start'],
    ['2026-11-27T05:00:00.000Z', true, 'start is inclusive'],
    ['2026-11-28T04:59:59.999Z', true, 'last instant before local midnight end'],
    ['2026-11-28T05:00:00.000Z', false, 'end at local midnight is exclusive'],
  ])('%s -> %s (%s)', (iso, want) => {
    expect(isPromoActive(bf, at(iso))).toBe(want);
  });

  it('a Berlin window over the spring-forward day lasts 23 hours', () => {
    const p: PromoWindow = {
      startsAt: '2026-03-29T00:00',
      endsAt: '2026-03-30T00:00',
      timeZone: 'Europe/Berlin',
      kind: 'suspend',
    };
    expect(isPromoActive(p, at('2026-03-28T22:59:59Z'))).toBe(false);
    expect(isPromoActive(p, at('2026-03-28T23:00:00Z'))).toBe(true); // 00:00 CET
    expect(isPromoActive(p, at('2026-03-29T21:59:59Z'))).toBe(true);
    expect(isPromoActive(p, at('2026-03-29T22:00:00Z'))).toBe(false); // 00:00 CEST
  });
});

describe('loweredMap', () => {
  const base = { mapMinor: 10000, currency: 'USD' };
  it.each<[Partial<PromoWindow>, number, string]>([
    [{ kind: 'lower', mapMinor: 8000, currency: 'USD' }, 8000, 'absolute'],
    [{ kind: 'lower', mapMinor: 12000, currency: 'USD' }, 10000, 'a lower promo never raises the MAP'],
    [{ kind: 'lower', mapMinor: 8000, currency: 'EUR' }, 10000, 'another currency is never applied'],
    [{ kind: 'lower', percentOff: 15 }, 8500, 'percent'],
    [{ kind: 'lower', percentOff: 15, mapMinor: 8000, currency: 'USD' }, 8000, 'both set: the lower result'],
    [
      { kind: 'lower', percentOff: 15, mapMinor: 8000, currency: 'EUR' },
      8500,
      'both set, amount in another currency: percent only',
    ],
    [{ kind: 'suspend' }, 10000, 'suspend does not lower'],
  ])('%j -> %i (%s)', (p, want) => {
    expect(loweredMap(base, ny('2026-01-01T00:00', '2026-01-02T00:00', p))).toBe(want);
  });

  it('percentOff rounds the lowered MAP DOWN (12.5 % off 9999 = 8749.125 -> 8749)', () => {
    expect(
      loweredMap(
        { mapMinor: 9999, currency: 'USD' },
        ny('2026-01-01T00:00', '2026-01-02T00:00', { kind: 'lower', percentOff: 12.5 }),
      ),
    ).toBe(8749);
  });
});

describe('activePromo precedence', () => {
  const base = { mapMinor: 10000, currency: 'USD' };
  const when = at('2026-11-27T12:00:00Z');
  const suspend = ny('2026-11-27T00:00', '2026-11-28T00:00', { note: 'suspend' });
  const lower80 = ny('2026-11-27T00:00', '2026-11-28T00:00', {
    kind: 'lower',
    mapMinor: 8000,
    currency: 'USD',
    note: '80',
  });
  const pct15 = ny('2026-11-27T00:00', '2026-11-28T00:00', { kind: 'lower', percentOff: 15, note: '85' });
  const expired = ny('2026-11-20T00:00', '2026-11-21T00:00', { kind: 'lower', percentOff: 50 });
  const eurSuspend = ny('2026-11-27T00:00', '2026-11-28T00:00', { currency: 'EUR' });

  it('none active -> null', () => expect(activePromo([expired], when, base)).toBeNull());
  it('suspend beats lower regardless of order', () => {
    expect(activePromo([lower80, suspend], when, base)).toBe(suspend);
    expect(activePromo([suspend, lower80], when, base)).toBe(suspend);
  });
  it('lowest resulting MAP wins among lowers', () => {
    expect(activePromo([pct15, lower80], when, base)).toBe(lower80);
    expect(activePromo([lower80, pct15], when, { mapMinor: 9000, currency: 'USD' })).toBe(pct15); // 7650 < 8000
  });
  it('a promo scoped to another currency is ignored', () => {
    expect(activePromo([eurSuspend, pct15], when, base)).toBe(pct15);
    expect(activePromo([eurSuspend], when, { mapMinor: 9000, currency: 'EUR' })).toBe(eurSuspend);
  });
  it('without a base, the first active lower is returned', () => {
    expect(activePromo([pct15, lower80], when)).toBe(pct15);
  });
});
