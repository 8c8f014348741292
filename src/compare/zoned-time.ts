/**
 * Local wall-clock time in an IANA zone -> instant, using only Intl.
 *
 * Promo windows are written the way manufacturers announce them ("Black Friday
 * from 2026-11-27 00:00 New York time"), so the instant depends on the zone's
 * offset on that date, which Intl knows and a fixed offset does not.
 *
 * DST policy (same as Temporal's 'compatible' disambiguation):
 * - gap (wall time skipped, e.g. 02:30 on spring-forward day): shift FORWARD by
 *   the gap length, i.e. read it with the offset in force before the jump
 *   (02:30 America/New_York on 2026-03-08 -> 03:30 EDT = 07:30Z).
 * - overlap (wall time occurs twice, e.g. 01:30 on fall-back day): the EARLIER
 *   instant (the first 01:30, still on summer time).
 */

const WALL_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;
const DAY_MS = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    // Throws RangeError on an unknown zone; we let it propagate.
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** Milliseconds since epoch of a wall time read as if it were UTC (years 0-99 safe). */
function wallAsUtc(y: number, mo: number, d: number, h: number, mi: number, s: number): number {
  const dt = new Date(Date.UTC(2000, 0, 1, h, mi, s));
  dt.setUTCFullYear(y, mo - 1, d);
  return dt.getTime();
}

/** The zone's UTC offset (ms, east positive) at an instant. */
function offsetAt(instantMs: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const p of formatterFor(timeZone).formatToParts(new Date(instantMs))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  const hour = parts.hour === 24 ? 0 : (parts.hour ?? 0); // older ICU prints midnight as 24
  const wall = wallAsUtc(parts.year ?? 0, parts.month ?? 1, parts.day ?? 1, hour, parts.minute ?? 0, parts.second ?? 0);
  return wall - (instantMs - (((instantMs % 1000) + 1000) % 1000));
}

/**
 * '2026-11-27T00:00' (optionally ':ss') in `timeZone` -> Date.
 * Throws RangeError on a malformed or impossible date or an unknown zone.
 */
export function zonedWallTimeToInstant(local: string, timeZone: string): Date {
  const m = WALL_RE.exec(local);
  if (!m) throw new RangeError(`"${local}" is not a local time of the form YYYY-MM-DDTHH:mm[:ss]`);
  const [y, mo, d, h, mi, s] = m.slice(1).map((v) => (v === undefined ? 0 : Number(v))) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  // Day 0 of the next month is the last day of this one (leap years included).
  const realDays = mo >= 1 && mo <= 12 ? new Date(wallAsUtc(y, mo + 1, 0, 0, 0, 0)).getUTCDate() : 0;
  if (mo < 1 || mo > 12 || d < 1 || d > realDays || h > 23 || mi > 59 || s > 59) {
    throw new RangeError(`"${local}" is not a valid calendar date and time`);
  }
  formatterFor(timeZone); // validate the zone before doing arithmetic

  const wall = wallAsUtc(y, mo, d, h, mi, s);
  // Offsets a day either side bracket any single transition near this wall time.
  const before = offsetAt(wall - DAY_MS, timeZone);
  const after = offsetAt(wall + DAY_MS, timeZone);
  const valid: number[] = [];
  for (const off of before === after ? [before] : [before, after]) {
    const candidate = wall - off;
    if (offsetAt(candidate, timeZone) === off) valid.push(candidate);
  }
  if (valid.length > 0) return new Date(Math.min(...valid)); // overlap -> earlier instant
  return new Date(wall - before); // gap -> shift forward by the gap length
}
