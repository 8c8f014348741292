/**
 * How a period is cut into blocks of days (src/kpis/rollup-blocks.ts): worked by hand for
 * the benchmark's month and a few weeks, and over every period of up to 70 days starting on
 * any day of 10 weeks: the spans follow one another, cover exactly the period, each is a
 * block (or a day), and each block is exactly the sum of its parts.
 */
import { describe, expect, it } from 'vitest';
import { blockParts, blocksTouching, cutIntoSpans, cutIntoWeeks, type DaySpan } from '../src/kpis/rollup-blocks.js';

const DAY = 86_400_000;
const plus = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10);
const last = (s: DaySpan) => plus(s.day, s.days - 1);
const weekday = (day: string) => new Date(`${day}T00:00:00Z`).getUTCDay(); // 0: Sunday, 1: Monday

describe('blocks of reporting days', () => {
  it('cuts the benchmark month (Friday 30 January to Saturday 28 February 2026) by hand', () => {
    // Fri–Sat; Sunday alone; Monday 2 February starts an even week (2,926 weeks after
    // 5 January 1970): a fortnight; then a week; Monday 23 February starts a four-week block
    // that ends after the 28th, so Monday–Thursday, then Friday–Saturday.
    expect(cutIntoSpans('2026-01-30', '2026-02-28')).toEqual([
      { day: '2026-01-30', days: 2 },
      { day: '2026-02-01', days: 1 },
      { day: '2026-02-02', days: 14 },
      { day: '2026-02-16', days: 7 },
      { day: '2026-02-23', days: 4 },
      { day: '2026-02-27', days: 2 },
    ]);
    // Monday 19 January starts a week that is a multiple of 4: one block of 28 days.
    expect(cutIntoSpans('2026-01-19', '2026-02-15')).toEqual([{ day: '2026-01-19', days: 28 }]);
    // A Tuesday to a Wednesday: Tuesday alone, then Wed–Thu would end after the Wednesday.
    expect(cutIntoSpans('2026-02-03', '2026-02-04')).toEqual([
      { day: '2026-02-03', days: 1 },
      { day: '2026-02-04', days: 1 },
    ]);
    expect(cutIntoSpans('2026-02-10', '2026-02-08')).toEqual([]);
  });

  it('a week is Mon–Thu, Fri–Sat and Sunday; Mon–Thu two pairs; four weeks two fortnights', () => {
    expect(blockParts({ day: '2026-02-16', days: 7 })).toEqual([
      { day: '2026-02-16', days: 4 },
      { day: '2026-02-20', days: 2 },
      { day: '2026-02-22', days: 1 },
    ]);
    expect(blockParts({ day: '2026-02-16', days: 4 })).toEqual([
      { day: '2026-02-16', days: 2 },
      { day: '2026-02-18', days: 2 },
    ]);
    expect(blockParts({ day: '2026-02-20', days: 2 })).toEqual([
      { day: '2026-02-20', days: 1 },
      { day: '2026-02-21', days: 1 },
    ]);
    expect(blockParts({ day: '2026-01-19', days: 28 })).toEqual([
      { day: '2026-01-19', days: 14 },
      { day: '2026-02-02', days: 14 },
    ]);
    // The blocks of 4 days sharing a day with Friday 6 to Tuesday 10 February: Mon 9–Thu 12
    // (Mon 2–Thu 5 ends before the 6th).
    expect(blocksTouching('2026-02-06', '2026-02-10', 4)).toEqual([{ day: '2026-02-09', days: 4 }]);
    expect(blocksTouching('2026-02-06', '2026-02-10', 2)).toEqual([
      { day: '2026-02-06', days: 2 },
      { day: '2026-02-09', days: 2 },
    ]);
  });

  it('cuts each week of a period on its own, for the weekly lines', () => {
    expect(cutIntoWeeks('2026-01-30', '2026-02-10')).toEqual([
      {
        week: '2026-01-26',
        spans: [
          { day: '2026-01-30', days: 2 },
          { day: '2026-02-01', days: 1 },
        ],
      },
      { week: '2026-02-02', spans: [{ day: '2026-02-02', days: 7 }] },
      { week: '2026-02-09', spans: [{ day: '2026-02-09', days: 2 }] },
    ]);
  });

  it('every period: contiguous spans covering it exactly, each a block made of its parts', () => {
    const blocks = new Set<string>();
    const key = (s: DaySpan) => `${s.day}/${s.days}`;
    for (const days of [2, 4, 7, 14, 28])
      for (const b of blocksTouching('2025-12-01', '2026-05-31', days)) {
        blocks.add(key(b));
        // Its parts follow one another from its first day to its last, and are smaller.
        const parts = blockParts(b);
        expect(parts[0]!.day).toBe(b.day);
        expect(last(parts.at(-1)!)).toBe(last(b));
        parts.forEach((p, i) => {
          expect(p.days).toBeLessThan(b.days);
          if (i) expect(p.day).toBe(plus(last(parts[i - 1]!), 1));
        });
        if (days >= 4) expect(weekday(b.day)).toBe(1);
      }
    for (let start = 0; start < 70; start++)
      for (let length = 1; length <= 70; length++) {
        const from = plus('2026-01-05', start);
        const to = plus(from, length - 1);
        const spans = cutIntoSpans(from, to);
        expect(spans[0]!.day).toBe(from);
        expect(last(spans.at(-1)!)).toBe(to);
        spans.forEach((s, i) => {
          if (i) expect(s.day).toBe(plus(last(spans[i - 1]!), 1));
          if (s.days > 1) expect(blocks.has(key(s)), key(s)).toBe(true);
        });
        // A block per fortnight or four weeks at most, plus the two ends' shorter blocks.
        expect(spans.length).toBeLessThanOrEqual(Math.ceil(length / 14) + 6);
        // Weekly: every span inside its week.
        for (const w of cutIntoWeeks(from, to))
          for (const s of w.spans) expect(last(s) <= plus(w.week, 6) && s.day >= w.week).toBe(true);
      }
  });
});
