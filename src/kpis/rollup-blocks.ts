/**
 * The spans of reporting days that dimension_rollup_blocks pre-adds (migration
 * 20261205010100), and how a period is cut into them. A month by product is ~60,000
 * per-day rows at 10,000,000 reads (2,000 products × 30 days), and reading them alone took
 * ~200 ms; cut into blocks it is ~6 rows per product.
 *
 * The blocks nest (each is the union of smaller ones) and follow the reporting week, so a
 * week of the weekly trend is one block:
 * - 2 days: Monday–Tuesday, Wednesday–Thursday, Friday–Saturday;
 * - 4 days: Monday–Thursday (the first two of those);
 * - 7 days: a week, Monday–Sunday (Monday–Thursday, Friday–Saturday, Sunday);
 * - 14 and 28 days: two and four weeks, on weeks counted from Monday 5 January 1970 that
 *   are a multiple of 2 and 4 (two blocks of the size below each).
 * A single day is the per-day row itself (daily_dimension_rollups).
 * Pure date arithmetic on YYYY-MM-DD days, no time zone: days are already reporting days.
 */

export interface DaySpan {
  /** The first day, YYYY-MM-DD. */
  day: string;
  /** How many days (1: the per-day row). */
  days: number;
}

/** Block lengths, longest first. */
export const BLOCK_LENGTHS = [28, 14, 7, 4, 2] as const;

const DAY_MS = 86_400_000;
/** Day number of Monday 1970-01-05. */
const FIRST_MONDAY = 4;

const dayNumber = (day: string) => Math.round(Date.parse(`${day}T00:00:00Z`) / DAY_MS);
const dayText = (n: number) => new Date(n * DAY_MS).toISOString().slice(0, 10);
const mod = (a: number, b: number) => ((a % b) + b) % b;

/** Whether a block of `days` days may start on day number `n`. */
function aligned(n: number, days: number): boolean {
  const weekday = mod(n - FIRST_MONDAY, 7); // 0: Monday
  const week = Math.floor((n - FIRST_MONDAY) / 7);
  switch (days) {
    case 2:
      return weekday === 0 || weekday === 2 || weekday === 4;
    case 4:
    case 7:
      return weekday === 0;
    case 14:
      return weekday === 0 && mod(week, 2) === 0;
    case 28:
      return weekday === 0 && mod(week, 4) === 0;
    default:
      return days === 1;
  }
}

/**
 * [from, to] cut into spans, greedily from the left: at each day the longest block (at most
 * `longest` days) that starts there and ends by `to`, else the day alone.
 */
export function cutIntoSpans(from: string, to: string, longest = 28): DaySpan[] {
  const spans: DaySpan[] = [];
  const end = dayNumber(to);
  for (let n = dayNumber(from); n <= end;) {
    const days = BLOCK_LENGTHS.find((d) => d <= longest && n + d - 1 <= end && aligned(n, d)) ?? 1;
    spans.push({ day: dayText(n), days });
    n += days;
  }
  return spans;
}

/** The blocks of `days` days that share a day with [from, to], in order. */
export function blocksTouching(from: string, to: string, days: number): DaySpan[] {
  const out: DaySpan[] = [];
  for (let n = dayNumber(from) - days + 1; n <= dayNumber(to); n++)
    if (aligned(n, days)) out.push({ day: dayText(n), days });
  return out;
}

/** The spans a block is the sum of: the block cut into the next smaller blocks (and days). */
export function blockParts(block: DaySpan): DaySpan[] {
  const last = dayText(dayNumber(block.day) + block.days - 1);
  return cutIntoSpans(block.day, last, block.days - 1);
}

/** Per reporting week (Monday) touched by [from, to], the week's part of it cut into spans of at most 7 days. */
export function cutIntoWeeks(from: string, to: string): { week: string; spans: DaySpan[] }[] {
  const out: { week: string; spans: DaySpan[] }[] = [];
  const end = dayNumber(to);
  for (let n = dayNumber(from); n <= end;) {
    const monday = n - mod(n - FIRST_MONDAY, 7);
    const last = Math.min(end, monday + 6);
    out.push({ week: dayText(monday), spans: cutIntoSpans(dayText(n), dayText(last), 7) });
    n = last + 1;
  }
  return out;
}
