/**
 * The site-health rules on their own (no database): when the extraction success rate
 * suppresses a site, when a selector that stopped matching everywhere does, and when a
 * suppressed site has recovered. Each boundary is tested on both sides.
 */
import { describe, expect, it } from 'vitest';
import { judgeSiteHealth, loadHealthThresholds, pct } from '../src/health/judge-site-health.js';
import type { ObservationStatus } from '../src/types.js';
import { stats } from './support/site-health-stats.js';

const t = { minSuccessRate: 0.5, minPageReads: 5, recoverAfter: 3 };

describe('judgeSiteHealth: the success-rate rule', () => {
  it('suppresses when the rate is below the minimum over enough page reads, even with a listing still ok', () => {
    const d = judgeSiteHealth(
      stats({ pageReads: 10, okReads: 4, successRate: 0.4, listingsFailingLatest: 2 }),
      t,
      false,
    );
    expect(d).toEqual({
      suppress: true,
      reason: 'extraction success 40% over the last 10 page reads is below 50%',
    });
  });

  it('does not suppress at exactly the minimum rate', () => {
    expect(judgeSiteHealth(stats({ successRate: 0.5, listingsFailingLatest: 2 }), t, false)).toEqual({
      suppress: false,
      reason: null,
    });
  });

  it('trusts the rate only from minPageReads page reads on', () => {
    expect(judgeSiteHealth(stats({ pageReads: 4, successRate: 0.25 }), t, false).suppress).toBe(false);
    expect(judgeSiteHealth(stats({ pageReads: 5, successRate: 0.2 }), t, false)).toEqual({
      suppress: true,
      reason: 'extraction success 20% over the last 5 page reads is below 50%',
    });
  });

  it('no page reads (rate unknown) is not a failure', () => {
    expect(judgeSiteHealth(stats({ pageReads: 0, successRate: null, listingsRead: 0 }), t, false).suppress).toBe(false);
  });
});

describe('judgeSiteHealth: every listing failing at once', () => {
  it('suppresses when the latest read of every listing (two or more) failed', () => {
    expect(judgeSiteHealth(stats({ successRate: 0.8, listingsRead: 2, listingsFailingLatest: 2 }), t, false)).toEqual({
      suppress: true,
      reason: 'the latest read of all 2 listings found no usable price',
    });
  });

  it('not with one listing, not while one listing is still fine, not before minPageReads', () => {
    expect(judgeSiteHealth(stats({ listingsRead: 1, listingsFailingLatest: 1 }), t, false).suppress).toBe(false);
    expect(judgeSiteHealth(stats({ listingsRead: 3, listingsFailingLatest: 2 }), t, false).suppress).toBe(false);
    expect(judgeSiteHealth(stats({ pageReads: 4, listingsRead: 2, listingsFailingLatest: 2 }), t, false).suppress).toBe(
      false,
    );
    expect(judgeSiteHealth(stats({ pageReads: 5, listingsRead: 2, listingsFailingLatest: 2 }), t, false).suppress).toBe(
      true,
    );
  });
});

describe('judgeSiteHealth: recovery of a suppressed site', () => {
  const latest = (...s: ObservationStatus[]) => stats({ successRate: 0.1, latestPageStatuses: s });

  it('recovers after recoverAfter consecutive good page reads, whatever the rolling rate', () => {
    expect(judgeSiteHealth(latest('ok', 'ok', 'ok', 'no_price'), t, true)).toEqual({
      suppress: false,
      reason: 'the last 3 page reads extracted a price',
    });
  });

  it('stays suppressed with fewer good reads, or a failure among the latest', () => {
    expect(judgeSiteHealth(latest('ok', 'ok'), t, true)).toEqual({ suppress: true, reason: 'still failing' });
    expect(judgeSiteHealth(latest('ok', 'no_price', 'ok', 'ok'), t, true).suppress).toBe(true);
    expect(judgeSiteHealth(latest('ambiguous', 'ok', 'ok', 'ok'), t, true).suppress).toBe(true);
  });

  it('a suppressed site stays suppressed even when its rate alone looks fine', () => {
    expect(judgeSiteHealth(stats({ successRate: 1, latestPageStatuses: ['no_price'] }), t, true).suppress).toBe(true);
  });
});

describe('health thresholds from the environment', () => {
  it('has defaults and reads overrides', () => {
    expect(loadHealthThresholds({})).toEqual({ minSuccessRate: 0.5, minPageReads: 5, recoverAfter: 3 });
    expect(
      loadHealthThresholds({
        MAPWATCH_HEALTH_MIN_SUCCESS: '0.8',
        MAPWATCH_HEALTH_MIN_READS: '10',
        MAPWATCH_HEALTH_RECOVER_AFTER: '2',
      }),
    ).toEqual({ minSuccessRate: 0.8, minPageReads: 10, recoverAfter: 2 });
  });

  it('names the variable of a bad value', () => {
    expect(() => loadHealthThresholds({ MAPWATCH_HEALTH_MIN_SUCCESS: '2' })).toThrow(
      /environment variable MAPWATCH_HEALTH_MIN_SUCCESS: /,
    );
    expect(() => loadHealthThresholds({ MAPWATCH_HEALTH_MIN_READS: '0' })).toThrow(/MAPWATCH_HEALTH_MIN_READS/);
    expect(() => loadHealthThresholds({ MAPWATCH_HEALTH_RECOVER_AFTER: '1.5' })).toThrow(
      /MAPWATCH_HEALTH_RECOVER_AFTER/,
    );
  });

  it('prints rates as percent with one decimal', () => {
    expect([pct(0.4), pct(0.0909), pct(1), pct(0)]).toEqual(['40%', '9.1%', '100%', '0%']);
  });
});
