/**
 * Inputs of the MAP comparison, as zod schemas. The DB layer maps rows to these
 * shapes; compareToMap re-validates them so a bad row becomes an
 * `invalid_input` verdict instead of a wrong verdict or a thrown error.
 *
 * Objects are non-strict on purpose: rows may carry extra columns (ids, product
 * ids), which are stripped.
 */
import { z } from 'zod';
import { isCurrencyCode } from '../normalize/currency.js';
import { isValidTimeZone, zonedWallTimeToInstant } from './zoned-time.js';

const currency = z
  .string()
  .transform((s) => s.trim().toUpperCase())
  .refine(isCurrencyCode, { message: 'must be an ISO 4217 currency code such as USD or EUR' });

/** Strictly positive integer count of minor units; zod 4's int() is safe-integer bounded. */
const positiveMinor = z.number().int().positive();

const finitePercent = z.number().refine(Number.isFinite, { message: 'must be a finite number' });

/** One MAP window: half-open [effectiveFrom, effectiveTo); effectiveTo null = open-ended. */
export const mapPriceSchema = z
  .object({
    currency,
    mapMinor: positiveMinor,
    listMinor: z.number().int().nonnegative().nullable().default(null),
    effectiveFrom: z.date(),
    effectiveTo: z.date().nullable(),
  })
  .refine((m) => m.effectiveTo === null || m.effectiveTo.getTime() > m.effectiveFrom.getTime(), {
    message: 'effectiveTo must be after effectiveFrom',
    path: ['effectiveTo'],
  });

const wallTime = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/, 'must be local wall-clock time YYYY-MM-DDTHH:mm[:ss]');

/**
 * A promo window in local wall-clock time of an IANA zone, half-open [startsAt, endsAt).
 * - 'suspend': MAP not enforced; must not carry mapMinor/percentOff (ambiguous intent).
 * - 'lower': mapMinor (absolute MAP, requires `currency` so an amount is never
 *   applied to another currency's MAP) and/or percentOff (0 < p < 100). The DB
 *   allows both on one row; then the lower resulting MAP applies (the same
 *   "most lenient wins" rule as for overlapping promos).
 * `currency`, when set, scopes the promo to MAPs in that currency; when null the
 * promo applies to every currency (only meaningful with percentOff or suspend).
 */
export const promoWindowSchema = z
  .object({
    startsAt: wallTime,
    endsAt: wallTime,
    timeZone: z.string().refine(isValidTimeZone, { message: 'must be an IANA time zone such as Europe/Berlin' }),
    kind: z.enum(['suspend', 'lower']),
    mapMinor: positiveMinor.nullable().optional(),
    percentOff: finitePercent.nullable().optional(),
    currency: currency.nullable().optional(),
    note: z.string().optional(),
  })
  .superRefine((p, ctx) => {
    const hasMap = p.mapMinor !== undefined && p.mapMinor !== null;
    const hasPct = p.percentOff !== undefined && p.percentOff !== null;
    if (p.kind === 'suspend' && (hasMap || hasPct)) {
      ctx.addIssue({
        code: 'custom',
        path: ['kind'],
        message: "a 'suspend' promo must not set mapMinor or percentOff",
      });
    }
    if (p.kind === 'lower') {
      if (!hasMap && !hasPct) {
        ctx.addIssue({ code: 'custom', path: ['kind'], message: "a 'lower' promo needs mapMinor or percentOff" });
      }
      if (hasMap && !p.currency) {
        ctx.addIssue({ code: 'custom', path: ['currency'], message: 'an absolute mapMinor needs its currency' });
      }
      if (hasPct && !(p.percentOff! > 0 && p.percentOff! < 100)) {
        ctx.addIssue({ code: 'custom', path: ['percentOff'], message: 'percentOff must be > 0 and < 100' });
      }
    }
    // Only check ordering when the parts above are individually valid.
    if (!isValidTimeZone(p.timeZone)) return;
    try {
      const start = zonedWallTimeToInstant(p.startsAt, p.timeZone);
      const end = zonedWallTimeToInstant(p.endsAt, p.timeZone);
      if (end.getTime() <= start.getTime()) {
        ctx.addIssue({ code: 'custom', path: ['endsAt'], message: 'endsAt must be after startsAt' });
      }
    } catch (e) {
      ctx.addIssue({ code: 'custom', path: ['startsAt'], message: (e as Error).message });
    }
  });

export const severityBandsSchema = z
  .array(
    z.object({
      name: z.string().min(1),
      minPercentBelow: finitePercent.refine((n) => n >= 0, { message: 'must be >= 0' }),
    }),
  )
  .min(1, 'at least one severity band is needed to classify a violation')
  .refine((bands) => new Set(bands.map((b) => b.minPercentBelow)).size === bands.length, {
    message: 'two bands share the same minPercentBelow',
  });

/**
 * Tolerance below MAP that is still compliant. Both unset = zero tolerance.
 * If both are set, EITHER suffices (the more lenient one wins): a price is
 * compliant when normalized >= MAP - max(absMinor, floor(MAP * percent / 100)).
 */
export const toleranceSchema = z.object({
  absMinor: z.number().int().nonnegative().nullable().optional(),
  percent: finitePercent
    .refine((n) => n >= 0 && n < 100, { message: 'must be >= 0 and < 100' })
    .nullable()
    .optional(),
});

export const siteVatSchema = z.object({
  included: z.boolean(),
  rate: finitePercent.refine((n) => n >= 0 && n <= 100, { message: 'must be between 0 and 100' }),
});

/*
 * The comparison input in three parts that change at different rates: the observed read (every listing), the
 * product's MAP rules and the site's VAT (once per product / site in a sweep) and the compare policy (once per
 * process). parse-compare-rules.ts parses the slow parts once per rules object; compareToMap parses the whole.
 */
const observedShape = {
  observed: z.object({
    amountMinor: positiveMinor,
    currency,
    capturedAt: z.date(),
  }),
  /** Units sold under the observed price (site config per listing). */
  listingPackSize: z.number().int().min(1).default(1),
};

const productRulesShape = {
  /** Units the MAP is for (products table). */
  productPackSize: z.number().int().min(1).default(1),
  /** Whether the MAP table is VAT-inclusive (US-style net MAP by default). */
  mapIncludesVat: z.boolean().default(false),
  mapPrices: z.array(mapPriceSchema),
  promos: z.array(promoWindowSchema).default([]),
};

const siteRulesShape = {
  /** How the site advertises; undefined = assume it matches the MAP basis. */
  siteVat: siteVatSchema.optional(),
};

const policyRulesShape = {
  tolerance: toleranceSchema.default({}),
  severityBands: severityBandsSchema,
};

export const observedInputSchema = z.object(observedShape);
export const productRulesSchema = z.object(productRulesShape);
export const siteRulesSchema = z.object(siteRulesShape);
export const policyRulesSchema = z.object(policyRulesShape);

/** Key order = the order of validation issues in an `invalid_input` detail (split parses sort to it). */
export const comparisonInputSchema = z.object({
  ...observedShape,
  productPackSize: productRulesShape.productPackSize,
  siteVat: siteRulesShape.siteVat,
  mapIncludesVat: productRulesShape.mapIncludesVat,
  mapPrices: productRulesShape.mapPrices,
  promos: productRulesShape.promos,
  ...policyRulesShape,
});

/** What callers pass (defaults optional). */
export type MapPriceInput = z.input<typeof mapPriceSchema>;
export type PromoWindowInput = z.input<typeof promoWindowSchema>;
export type ComparisonInput = z.input<typeof comparisonInputSchema>;
/** What the comparison works on after validation. */
export type MapPrice = z.output<typeof mapPriceSchema>;
export type PromoWindow = z.output<typeof promoWindowSchema>;
export type SeverityBand = z.output<typeof severityBandsSchema>[number];
export type Tolerance = z.output<typeof toleranceSchema>;
export type ParsedComparisonInput = z.output<typeof comparisonInputSchema>;
export type ObservedInput = z.input<typeof observedInputSchema>;
export type ProductRulesInput = z.input<typeof productRulesSchema>;
export type SiteRulesInput = z.input<typeof siteRulesSchema>;
export type PolicyRulesInput = z.input<typeof policyRulesSchema>;
