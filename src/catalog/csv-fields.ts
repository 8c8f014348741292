/** zod field types shared by the CSV importers, with messages a user can act on. */
import { z } from 'zod';
import { isValidTimeZone } from '../compare/zoned-time.js';
import { isCurrencyCode } from '../normalize/currency.js';

/** For a required column's cell left empty (read-csv drops empty cells). */
export const REQUIRED = { error: 'is required (the cell is empty)' } as const;

export const currencyField = z
  .string()
  .transform((s) => s.toUpperCase())
  .refine(isCurrencyCode, { message: 'must be an ISO 4217 currency code such as USD or EUR' });

/** A plain decimal in major units, e.g. 1299.00 — no symbols or thousands separators. */
export const decimalField = z
  .string()
  .regex(/^\d+(\.\d+)?$/, 'must be a plain decimal amount such as 1299.00 (no currency symbol or thousands separator)');

export const booleanField = z
  .string()
  .transform((s) => s.toLowerCase())
  .refine((s) => ['true', 'false', 'yes', 'no', '1', '0'].includes(s), { message: 'must be true or false' })
  .transform((s) => ['true', 'yes', '1'].includes(s));

/** Far above any real pack, and well inside the database's 32-bit integer column. */
export const MAX_PACK_SIZE = 1_000_000;

export const packSizeField = z.coerce
  .number({ message: 'must be a whole number ≥ 1' })
  .int('must be a whole number ≥ 1')
  .min(1, 'must be a whole number ≥ 1')
  .max(MAX_PACK_SIZE, `must be at most ${MAX_PACK_SIZE.toLocaleString('en-US')}`);

/**
 * True when year-month-day (and optional hour:minute:second) name a moment that exists.
 * `Date` silently rolls 2027-02-30 over to 2027-03-02 and 24:00 to the next day; a MAP or
 * promo window that starts on a date the user did not write must be refused instead.
 */
export function isRealDateTime(y: number, mo: number, d: number, h = 0, mi = 0, s = 0): boolean {
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return false;
  const daysInMonth = new Date(Date.UTC(2000, mo, 0)).getUTCDate(); // 2000 is a leap year
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  return d <= (mo === 2 && !leap ? 28 : daysInMonth);
}

const DATE_TIME_PARTS = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?)?/;

/** The calendar and clock parts of an ISO-like string are all real (offset ignored). */
function hasRealParts(s: string): boolean {
  const m = DATE_TIME_PARTS.exec(s);
  if (!m) return true; // the format check reports it
  const [y, mo, d, h, mi, sec] = m.slice(1).map((v) => (v === undefined ? 0 : Number(v))) as number[];
  return isRealDateTime(y!, mo!, d!, h, mi, sec);
}

const notRealDate = (iss: { input?: unknown }): string =>
  `"${String(iss.input)}" is not a real date or time (check the month, day and hour)`;

/** 2026-01-01 (UTC midnight) or a full ISO 8601 timestamp with offset. */
export const instantField = z
  .string()
  .refine(
    (s) =>
      /^\d{4}-\d{2}-\d{2}$/.test(s) || /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(s),
    {
      message: 'must be a date (2026-01-31) or an ISO 8601 timestamp with offset (2026-01-31T00:00:00Z)',
    },
  )
  .refine(hasRealParts, { error: notRealDate })
  .transform((s) => new Date(/^\d{4}-\d{2}-\d{2}$/.test(s) ? `${s}T00:00:00Z` : s))
  .refine((d) => !Number.isNaN(d.getTime()), { message: 'is not a real date' });

/** Local wall-clock time for promo windows: 2026-11-27T00:00 or a bare date. */
export const wallTimeField = z
  .string()
  .regex(
    /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?)?$/,
    'must be a local date or time such as 2026-11-27 or 2026-11-27T09:00',
  )
  .refine(hasRealParts, { error: notRealDate })
  .transform((s) => (s.length === 10 ? `${s}T00:00` : s));

export const timeZoneField = z
  .string()
  .refine(isValidTimeZone, { message: 'must be an IANA time zone such as America/New_York' });
