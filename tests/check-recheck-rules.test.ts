/**
 * The check pipeline's decisions on their own (no database, no fetch): when two reads agree
 * enough to accuse, when a verdict needs a confirming read, how long to wait for it, and
 * which reads are compared with the MAP at all.
 */
import { describe, expect, it } from 'vitest';
import type { ProductRules } from '../src/catalog/load-map-rules.js';
import type { Verdict } from '../src/compare/compare-to-map.js';
import { loadPolicy } from '../src/config/policy.js';
import type { LoadedSite } from '../src/config/load-sites.js';
import { judge } from '../src/check/judge-read.js';
import { needsRecheck, readsAgree, recheckDelay, recheckWaitLeft } from '../src/check/recheck.js';
import type { ObservationDraft } from '../src/types.js';

const read = (o: Partial<ObservationDraft>): ObservationDraft => ({
  capturedAt: new Date('2026-06-01T12:00:00Z'),
  status: 'ok',
  reason: null,
  offer: null,
  amountMinor: 8000,
  currency: 'USD',
  httpStatus: 200,
  finalUrl: null,
  contentSha256: null,
  retryable: false,
  ...o,
});

describe('readsAgree: the only agreement that may accuse', () => {
  it('both ok, same currency, same amount', () => {
    expect(readsAgree(read({}), read({}))).toBe(true);
  });

  it('a different below-MAP price the second time is a disagreement (80, then 79)', () => {
    expect(readsAgree(read({ amountMinor: 8000 }), read({ amountMinor: 7900 }))).toBe(false);
  });

  it('another currency, a failed read on either side, or no amount is never agreement', () => {
    expect(readsAgree(read({}), read({ currency: 'EUR' }))).toBe(false);
    expect(readsAgree(read({ status: 'no_price' }), read({}))).toBe(false);
    expect(readsAgree(read({}), read({ status: 'blocked' }))).toBe(false);
    expect(readsAgree(read({ amountMinor: null }), read({ amountMinor: null }))).toBe(false);
  });
});

describe('needsRecheck: a read that would open or escalate a case', () => {
  const order = ['low', 'medium', 'high'];
  const violation = (severity: string) => ({ kind: 'violation', severity }) as Verdict;
  const ask = (verdict: Verdict | null, open?: { severity: string }, suppressed = false) =>
    needsRecheck({ verdict, open, severityOrder: order, suppressed });

  it('a violation with no open case needs one, unless the site is suppressed', () => {
    expect(ask(violation('low'))).toBe(true);
    expect(ask(violation('low'), undefined, true)).toBe(false);
  });

  it('only a higher severity than the open case is an escalation; the same or a lower one is not', () => {
    expect(ask(violation('high'), { severity: 'medium' })).toBe(true);
    expect(ask(violation('medium'), { severity: 'medium' })).toBe(false);
    expect(ask(violation('low'), { severity: 'medium' })).toBe(false);
    // an open case on a suppressed site still escalates: the case exists already
    expect(
      needsRecheck({ verdict: violation('high'), open: { severity: 'low' }, severityOrder: order, suppressed: true }),
    ).toBe(true);
  });

  it('no verdict, a compliant one or one not compared never needs a re-check', () => {
    expect(ask(null)).toBe(false);
    expect(ask({ kind: 'compliant' } as Verdict)).toBe(false);
    expect(ask({ kind: 'not_comparable' } as Verdict, { severity: 'low' })).toBe(false);
  });
});

describe('recheckDelay', () => {
  const site = (delay_ms?: number) =>
    ({ config: { recheck: delay_ms === undefined ? undefined : { delay_ms } } }) as unknown as LoadedSite;
  it("takes the context's override, else the site's setting, else five seconds", () => {
    expect(recheckDelay({ recheckDelayMs: 0 }, site(9000))).toBe(0);
    expect(recheckDelay({}, site(9000))).toBe(9000);
    expect(recheckDelay({}, site())).toBe(5000);
  });
});

describe('judge: which reads are compared, and with what', () => {
  const policy = loadPolicy({});
  const rules: ProductRules = {
    productId: 1,
    sku: 'WP-1',
    name: 'Widget Pro',
    brand: null,
    gtin: null,
    packSize: 1,
    mapIncludesVat: false,
    mapPrices: [
      { currency: 'EUR', mapMinor: 10000, listMinor: null, effectiveFrom: new Date('2026-01-01'), effectiveTo: null },
    ],
    promos: [],
  };
  const site = { config: { vat: { included: true, rate: 20 } } } as unknown as LoadedSite;

  it('only an ok read with an amount and a currency', () => {
    expect(judge(read({ status: 'no_price' }), site, { packSize: 1 }, rules, policy)).toBeNull();
    expect(judge(read({ amountMinor: null, currency: 'EUR' }), site, { packSize: 1 }, rules, policy)).toBeNull();
    expect(judge(read({ currency: null }), site, { packSize: 1 }, rules, policy)).toBeNull();
  });

  it("restates the price with the site's VAT and the listing's pack before comparing", () => {
    // EUR 240.00 incl. 20 % VAT for a 2-pack = EUR 100.00 net per item: exactly the MAP
    const v = judge(read({ amountMinor: 24000, currency: 'EUR' }), site, { packSize: 2 }, rules, policy);
    expect(v).toMatchObject({ kind: 'compliant', normalizedMinor: 10000, rule: { vatAdjustment: 'removed' } });
    const below = judge(read({ amountMinor: 23999, currency: 'EUR' }), site, { packSize: 2 }, rules, policy);
    expect(below).toMatchObject({ kind: 'violation', mapMinor: 10000 });
    expect(
      judge(read({ amountMinor: 5999, currency: 'EUR' }), site, { packSize: 1 }, { ...rules, packSize: 2 }, policy),
    ).toMatchObject({ kind: 'violation', rule: { packFactor: { listingPackSize: 1, productPackSize: 2 } } });
  });
});

describe('the wait left before the confirming read', () => {
  const first = new Date('2026-12-04T12:00:00Z');
  const at = (ms: number) => first.getTime() + ms;
  it('is the whole delay right after the first read, the rest of it later, and nothing once it is over', () => {
    expect(recheckWaitLeft(5000, first, at(0))).toBe(5000);
    expect(recheckWaitLeft(5000, first, at(3200))).toBe(1800); // a deferred job run early, or a crash retried
    expect(recheckWaitLeft(5000, first, at(5000))).toBe(0);
    expect(recheckWaitLeft(5000, first, at(60_000))).toBe(0);
    expect(recheckWaitLeft(0, first, at(0))).toBe(0);
  });
  it('never waits longer than the delay, even for a first read stamped in the future (a skewed clock)', () => {
    expect(recheckWaitLeft(5000, first, at(-10_000))).toBe(5000);
  });
});
