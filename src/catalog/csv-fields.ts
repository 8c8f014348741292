/** zod field types shared by the CSV importers, with messages a user can act on. */
import { z } from 'zod';
import { isValidTimeZone } from '../compare/zoned-time.js';
import { isCurrencyCode } from '../normalize/currency.js';

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

export const packSizeField = z.coerce
  .number({ message: 'must be a whole number ≥ 1' })
  .int('must be a whole number ≥ 1')
  .min(1, 'must be a whole number ≥ 1');

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
  .transform((s) => new Date(/^\d{4}-\d{2}-\d{2}$/.test(s) ? `${s}T00:00:00Z` : s))
  .refine((d) => !Number.isNaN(d.getTime()), { message: 'is not a real date' });

/** Local wall-clock time for promo windows: 2026-11-27T00:00 or a bare date. */
export const wallTimeField = z
  .string()
  .regex(
    /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?)?$/,
    'must be a local date or time such as 2026-11-27 or 2026-11-27T09:00',
  )
  .transform((s) => (s.length === 10 ? `${s}T00:00` : s));

export const timeZoneField = z
  .string()
  .refine(isValidTimeZone, { message: 'must be an IANA time zone such as America/New_York' });
