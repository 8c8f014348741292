/**
 * The site-health state's boundaries and words, and the `mapwatch sites health` table, on
 * their own (no database): what ops read must say exactly which site is failing and why.
 */
import { describe, expect, it } from 'vitest';
import { formatSiteHealth, type SiteHealthRow } from '../src/health/format-site-health.js';
import { siteHealthState, stateLabel } from '../src/health/site-health-state.js';
import { stats } from './support/site-health-stats.js';

const t = { minSuccessRate: 0.5, minPageReads: 5, recoverAfter: 3 };
const free = { suppressed: false, reason: null };

describe('siteHealthState: boundaries and reasons', () => {
  it('a suppressed site says new violations open no case, and why', () => {
    expect(siteHealthState(stats({}), t, { suppressed: true, reason: 'selector gone' })).toEqual({
      state: 'suppressed',
      reason: 'new violations open no case: selector gone',
    });
    expect(siteHealthState(stats({}), t, { suppressed: true, reason: null }).reason).toBe(
      'new violations open no case: extraction failing',
    );
  });

  it('unknown with no reads; blocked only when every read was blocked', () => {
    expect(siteHealthState(stats({ reads: 0, pageReads: 0, okReads: 0 }), t, free)).toEqual({
      state: 'unknown',
      reason: 'no reads in the health window yet',
    });
    expect(siteHealthState(stats({ reads: 4, pageReads: 0, okReads: 0, blockedReads: 4 }), t, free)).toEqual({
      state: 'blocked',
      reason: 'all 4 recent read(s) were blocked by the site',
    });
    expect(siteHealthState(stats({ reads: 10, okReads: 9, blockedReads: 1 }), t, free).state).toBe('degraded');
  });

  it('needs attention when the suppression rule fires, saying why', () => {
    expect(siteHealthState(stats({ okReads: 4, successRate: 0.4 }), t, free)).toEqual({
      state: 'needs_attention',
      reason: 'extraction success 40% over the last 10 page reads is below 50%',
    });
  });

  it('needs attention when more than half of two or more re-checks disagreed', () => {
    expect(siteHealthState(stats({ recheckTotal: 3, recheckDisagreed: 2 }), t, free)).toEqual({
      state: 'needs_attention',
      reason: '2 of 3 re-checks disagreed with the first read',
    });
    expect(siteHealthState(stats({ recheckTotal: 2, recheckDisagreed: 2 }), t, free).state).toBe('needs_attention');
    expect(siteHealthState(stats({ recheckTotal: 2, recheckDisagreed: 1 }), t, free).state).toBe('ok');
    expect(siteHealthState(stats({ recheckTotal: 1, recheckDisagreed: 1 }), t, free).state).toBe('ok');
  });

  it('degraded from exactly a tenth of reads without a price', () => {
    expect(siteHealthState(stats({ reads: 10, okReads: 9 }), t, free)).toEqual({
      state: 'degraded',
      reason: '10% of the last 10 reads got no price (0 blocked)',
    });
    expect(siteHealthState(stats({ reads: 11, okReads: 10 }), t, free)).toEqual({ state: 'ok', reason: null });
  });

  it('labels the bad states loudly and the neutral ones plainly', () => {
    expect(
      ['ok', 'unknown', 'degraded', 'blocked', 'needs_attention', 'suppressed'].map((s) => stateLabel(s as never)),
    ).toEqual(['ok', 'unknown', 'DEGRADED', 'BLOCKED', 'NEEDS ATTENTION', 'SUPPRESSED']);
  });
});

describe('formatSiteHealth', () => {
  const row = (o: Partial<SiteHealthRow>): SiteHealthRow => ({
    ...stats({}),
    state: 'ok',
    stateReason: null,
    suppressed: false,
    since: null,
    reason: null,
    misreads: 0,
    ...o,
  });

  it('prints one aligned line per site, with dashes for unknown rates and "never" for no good read', () => {
    const text = formatSiteHealth([
      row({
        site: 'alpha',
        successRate: 0.5,
        blockedRate: 0.25,
        recheckTotal: 4,
        recheckDisagreed: 1,
        recheckDisagreementRate: 0.25,
        lastGoodReadAt: new Date('2026-11-20T10:00:00Z'),
        reads: 12,
      }),
      row({ site: 'b', state: 'unknown', successRate: null, blockedRate: null, reads: 0 }),
    ]);
    expect(text.split('\n')).toEqual([
      'site   state    extraction  blocked  re-check disagree  last good read        reads',
      'alpha  ok       50%         25%      25% of 4           2026-11-20T10:00:00Z  12',
      'b      unknown  -           -        -                  never                 0',
    ]);
  });

  it('adds a note for a suppressed site and for a failing one, none for a fine one', () => {
    const text = formatSiteHealth([
      row({
        site: 'a',
        state: 'suppressed',
        suppressed: true,
        since: new Date('2026-11-20T10:00:00.000Z'),
        reason: 'all listings failing',
      }),
      row({ site: 'b', state: 'suppressed', suppressed: true }),
      row({ site: 'c', state: 'needs_attention', stateReason: '3 of 4 re-checks disagreed' }),
      row({ site: 'd', state: 'degraded', stateReason: null }),
      row({ site: 'e', state: 'ok', stateReason: 'ignored' }),
    ]);
    const notes = text.split('\n\n')[1]!.split('\n');
    expect(notes).toEqual([
      'a: new violations are suppressed since 2026-11-20T10:00:00.000Z: all listings failing',
      'b: new violations are suppressed since ?: ',
      'c: needs attention: 3 of 4 re-checks disagreed',
    ]);
    expect(text).toMatch(/^c\s+NEEDS ATTENTION\s/m);
  });

  it('has no notes section when every site is fine', () => {
    expect(formatSiteHealth([row({})]).split('\n')).toHaveLength(2);
  });
});
