/**
 * The case decisions on plain values (src/cases/decide-case-change.ts and
 * violation-episode.ts): which reads count, when a dismissal still holds, what a violating
 * or compliant read changes, when a case resolves, where a reseller's episode of violations
 * starts and which notice step it reached. The database-backed files (cases-dismissal,
 * cases-stale-read, notify-ladder) show the same rules through openOrUpdateCase and the
 * queries; this one is fast enough to rerun for every mutant (`npm run mutate cases`).
 */
import { describe, expect, it } from 'vitest';
import type { RuleApplied } from '../src/compare/compare-to-map.js';
import {
  type CompliantVerdict,
  compliantUpdate,
  dismissalHolds,
  isStaleRead,
  readEffect,
  type ViolationVerdict,
  violationUpdate,
} from '../src/cases/decide-case-change.js';
import { episodeLevel, episodeStart } from '../src/cases/violation-episode.js';

const DAY = 86_400_000;
const NOW = new Date('2026-06-01T12:00:00Z');
const ago = (days: number) => new Date(NOW.getTime() - days * DAY);
const rule = {} as RuleApplied;

const violation = (o: Partial<ViolationVerdict> = {}): ViolationVerdict => ({
  kind: 'violation',
  mapMinor: 10_000,
  normalizedMinor: 8_900,
  belowMinor: 1_100,
  percentBelow: 11,
  severity: 'medium',
  currency: 'USD',
  rule,
  ...o,
});
const compliant: CompliantVerdict = {
  kind: 'compliant',
  mapMinor: 10_000,
  normalizedMinor: 10_500,
  currency: 'USD',
  rule,
};

describe('readEffect: only a trustworthy, comparable read can move a case', () => {
  it('a violation or a compliant verdict on an ok read counts', () => {
    const v = violation();
    expect(readEffect('ok', v)).toEqual({ kind: 'violation', verdict: v });
    expect(readEffect('ok', compliant)).toEqual({ kind: 'compliant', verdict: compliant });
  });

  it('any other status, no verdict, or a verdict that could not compare is only logged', () => {
    for (const status of ['no_price', 'ambiguous', 'blocked', 'error'] as const) {
      expect(readEffect(status, violation())).toEqual({ kind: 'untrusted' });
      expect(readEffect(status, compliant)).toEqual({ kind: 'untrusted' });
    }
    expect(readEffect('ok', null)).toEqual({ kind: 'untrusted' });
    expect(
      readEffect('ok', { kind: 'not_comparable', reason: 'currency_mismatch', detail: 'EUR read, USD MAP' }),
    ).toEqual({ kind: 'untrusted' });
  });
});

describe('isStaleRead', () => {
  it('only a read strictly older than the case latest is stale', () => {
    const open = { last_seen_at: ago(1) };
    expect(isStaleRead(open, ago(2))).toBe(true);
    expect(isStaleRead(open, new Date(ago(1).getTime() - 1))).toBe(true);
    expect(isStaleRead(open, ago(1))).toBe(false); // the same instant again (a retried job)
    expect(isStaleRead(open, NOW)).toBe(false);
  });
});

describe('dismissalHolds: a dismissed case holds the same violation back, nothing else', () => {
  const dismissed = { status: 'dismissed' as const, currency: 'USD', map_minor: 10_000, last_minor: 8_900 };

  it('the same price, or a higher one still below MAP, under the same MAP and currency', () => {
    expect(dismissalHolds(dismissed, violation())).toBe(true);
    expect(dismissalHolds(dismissed, violation({ normalizedMinor: 9_500 }))).toBe(true);
  });

  it('a lower price, a new MAP or another currency is a new judgment', () => {
    expect(dismissalHolds(dismissed, violation({ normalizedMinor: 8_899 }))).toBe(false);
    expect(dismissalHolds(dismissed, violation({ mapMinor: 12_000 }))).toBe(false);
    expect(dismissalHolds(dismissed, violation({ currency: 'CAD' }))).toBe(false);
  });

  it('no earlier case, or one that resolved, holds nothing back', () => {
    expect(dismissalHolds(undefined, violation())).toBe(false);
    expect(dismissalHolds({ ...dismissed, status: 'resolved' }, violation())).toBe(false);
  });
});

describe('violationUpdate: what a violating read changes on the open case', () => {
  const order = ['low', 'medium', 'high'];
  const open = { severity: 'medium', lowest_minor: 8_500 };
  const at = ago(0.5);

  it('a higher band is an escalation; the same or a lower band is not', () => {
    const up = violationUpdate(open, violation({ severity: 'high' }), { capturedAt: at }, order);
    expect(up.worse).toBe(true);
    expect(up.set.severity).toBe('high');
    for (const severity of ['medium', 'low']) {
      const same = violationUpdate(open, violation({ severity }), { capturedAt: at }, order);
      expect(same.worse).toBe(false);
      expect(same.set).not.toHaveProperty('severity');
    }
  });

  it('moves last seen, last and lowest price and MAP, and restarts the clean streak', () => {
    const higher = violationUpdate(
      open,
      violation({ normalizedMinor: 8_900, mapMinor: 9_900 }),
      { capturedAt: at },
      order,
    );
    expect(higher.set).toEqual({
      last_seen_at: at,
      last_minor: 8_900,
      lowest_minor: 8_500,
      map_minor: 9_900,
      clean_streak: 0,
    });
    const lower = violationUpdate(open, violation({ normalizedMinor: 7_000 }), { capturedAt: at }, order);
    expect(lower.set.lowest_minor).toBe(7_000);
    expect(lower.set.last_minor).toBe(7_000);
  });

  it('keeps the seller an earlier read named unless this read names one', () => {
    expect(violationUpdate(open, violation(), { capturedAt: at, seller: 'Shop B' }, order).set.seller).toBe('Shop B');
    expect(violationUpdate(open, violation(), { capturedAt: at, seller: null }, order).set).not.toHaveProperty(
      'seller',
    );
    expect(violationUpdate(open, violation(), { capturedAt: at, seller: '' }, order).set).not.toHaveProperty('seller');
  });
});

describe('compliantUpdate: clean reads in a row resolve the case', () => {
  const at = ago(0.25);

  it('counts one more clean read and leaves the case open below the threshold', () => {
    const r = compliantUpdate({ clean_streak: 0 }, compliant, at, 2);
    expect(r).toEqual({
      streak: 1,
      resolve: false,
      set: { clean_streak: 1, last_seen_at: at, last_minor: 10_500 },
    });
  });

  it('resolves on the read that reaches the threshold, saying how many reads it took', () => {
    const r = compliantUpdate({ clean_streak: 1 }, compliant, at, 2);
    expect(r).toEqual({
      streak: 2,
      resolve: true,
      set: {
        clean_streak: 2,
        last_seen_at: at,
        last_minor: 10_500,
        status: 'resolved',
        closed_at: at,
        resolution_note: 'price back at or above MAP for 2 reads',
      },
    });
    expect(compliantUpdate({ clean_streak: 4 }, compliant, at, 2).resolve).toBe(true);
    expect(compliantUpdate({ clean_streak: 0 }, compliant, at, 1).resolve).toBe(true);
  });
});

describe('episodeStart: a run of cases with gaps shorter than the reset period', () => {
  const c = (first: number, closed: number | null) => ({
    first_seen_at: ago(first),
    closed_at: closed === null ? null : ago(closed),
  });

  it('no cases, or the last one closed a full reset period ago: clean', () => {
    expect(episodeStart([], NOW, 90)).toBeNull();
    expect(episodeStart([c(200, 100)], NOW, 90)).toBeNull();
    expect(episodeStart([c(200, 90)], NOW, 90)).toBeNull(); // exactly the period: clean again
  });

  it('an open case, or one closed less than the period ago, is the episode', () => {
    expect(episodeStart([c(200, null)], NOW, 90)).toEqual(ago(200));
    expect(episodeStart([c(200, 89)], NOW, 90)).toEqual(ago(200));
  });

  it('a gap of a full period between cases starts a new episode; a shorter one does not', () => {
    expect(episodeStart([c(300, 250), c(160, null)], NOW, 90)).toEqual(ago(160)); // 90-day gap
    expect(episodeStart([c(300, 250), c(161, null)], NOW, 90)).toEqual(ago(300)); // 89 days
  });

  it('the episode lasts until the latest close, not the close of the latest case to open', () => {
    // The first case stays open long after the second one closed.
    expect(episodeStart([c(300, 10), c(290, 280)], NOW, 90)).toEqual(ago(300));
    expect(episodeStart([c(300, 10), c(290, 280), c(50, 40)], NOW, 30)).toEqual(ago(300));
  });

  it('a reset period longer than the calendar ("never forget": 100 years) still starts at the first case', () => {
    // The first case opens an episode whatever the period: it is not measured against a gap
    // from 1970 (the start of an empty history), which a 100-year period would never clear.
    const century = 36_500;
    expect(episodeStart([c(300, 250)], NOW, century)).toEqual(ago(300));
    expect(episodeStart([c(300, 250), c(10, null)], NOW, century)).toEqual(ago(300));
    expect(episodeStart([], NOW, century)).toBeNull();
  });
});

describe('episodeLevel: the highest step approved in the episode, and when the latest went out', () => {
  const start = ago(100);

  it('counts steps approved at or after the episode start, never before it or never approved', () => {
    expect(episodeLevel([], start)).toEqual({ level: 0, lastStepDue: null });
    expect(
      episodeLevel(
        [
          { step: 3, approved_at: ago(101) },
          { step: 4, approved_at: null },
        ],
        start,
      ),
    ).toEqual({ level: 0, lastStepDue: null });
    expect(episodeLevel([{ step: 2, approved_at: start }], start)).toEqual({ level: 2, lastStepDue: start });
  });

  it('takes the highest step, whatever the order; a step-less notice counts as 0', () => {
    const steps = [
      { step: 1, approved_at: ago(90) },
      { step: 3, approved_at: ago(50) },
      { step: 2, approved_at: ago(20) },
      { step: null, approved_at: ago(10) },
    ];
    expect(episodeLevel(steps, start).level).toBe(3);
    expect(episodeLevel([{ step: null, approved_at: ago(10) }], start).level).toBe(0);
  });

  it('a step is due when sent, else at the later of its approval and its not-before; the latest wins', () => {
    expect(episodeLevel([{ step: 1, approved_at: ago(30), sent_at: ago(29) }], start).lastStepDue).toEqual(ago(29));
    expect(episodeLevel([{ step: 1, approved_at: ago(30), not_before: ago(25) }], start).lastStepDue).toEqual(ago(25));
    expect(episodeLevel([{ step: 1, approved_at: ago(30), not_before: ago(35) }], start).lastStepDue).toEqual(ago(30));
    expect(episodeLevel([{ step: 1, approved_at: ago(30), not_before: null }], start).lastStepDue).toEqual(ago(30));
    const due = episodeLevel(
      [
        { step: 1, approved_at: ago(60), sent_at: ago(59) },
        { step: 2, approved_at: ago(20), not_before: ago(5) },
        { step: 1, approved_at: ago(40), sent_at: ago(39) },
      ],
      start,
    ).lastStepDue;
    expect(due).toEqual(ago(5));
  });
});
