/**
 * compareToMap: one observed price against the MAP in effect at capture time.
 *
 * Order of the decision (each step explains the verdict in `rule`):
 * 1. validate everything (a bad row is `invalid_input`, never a throw);
 * 2. MAP in effect for the OBSERVED currency at capturedAt; MAPs only in other
 *    currencies -> `currency_mismatch` (never converted), none -> `no_map_in_effect`;
 * 3. promos scoped to that currency and active at capturedAt (in their own
 *    zone): 'suspend' -> `map_suspended`; else the lowest 'lower' lowers the MAP;
 * 4. observed price restated per MAP pack and on the MAP's VAT basis, EXACTLY;
 * 5. compliant iff exact normalized >= MAP - tolerance (exact rational compare).
 *
 * Money never goes through a float. Rounding happens only for display:
 * - normalizedMinor is exact when whole; otherwise it is rounded TOWARD THE
 *   VERDICT (up when compliant, down when a violation), so the shown integers
 *   never contradict the decision; rule.normalizedExact has the exact fraction;
 * - belowMinor = mapMinor - normalizedMinor (>= 1 for every violation);
 * - percentBelow = exact (MAP - normalized) / MAP * 100, rounded half-up to 2
 *   decimals; severity is decided on the exact value, not the rounded one.
 */
import type { z } from 'zod';
import { ceilDiv, decimalToFraction, floorDiv, toSafeNumber, type Fraction } from './exact-decimal.js';
import { percentBelowMap } from './percent-below.js';
import { currenciesInEffect, mapInEffect } from './map-in-effect.js';
import { normalizeObserved, type VatAdjustment } from './normalize-observed.js';
import { activePromo, loweredMap, promoInstants, type AppliedPromo } from './promo-window.js';
import {
  comparisonInputSchema,
  type ComparisonInput,
  type ParsedComparisonInput,
  type PromoWindow,
} from './schemas.js';
import { severityFor } from './severity.js';

export interface RuleApplied {
  /** MAP enforced (after any 'lower' promo), minor units of `currency`. */
  mapMinor: number;
  /** MAP of the window in effect, before promos. */
  baseMapMinor: number;
  listMinor: number | null;
  currency: string;
  effectiveFrom: Date;
  effectiveTo: Date | null;
  promo?: AppliedPromo;
  observedMinor: number;
  /** normalized = observed * productPackSize / listingPackSize (then VAT). */
  packFactor: { listingPackSize: number; productPackSize: number };
  vatAdjustment: VatAdjustment;
  vatRatePercent: number | null;
  /** Exact normalized price in minor units, "n" or reduced "n/d". */
  normalizedExact: string;
  /**
   * absMinor / percent as configured (null = unset); either suffices.
   * thresholdMinor = mapMinor - max(absMinor, floor(mapMinor * percent / 100)):
   * the lowest compliant whole-minor normalized price.
   */
  tolerance: { absMinor: number | null; percent: number | null; thresholdMinor: number };
}

export type Verdict =
  | { kind: 'compliant'; mapMinor: number; normalizedMinor: number; currency: string; rule: RuleApplied }
  | {
      kind: 'violation';
      mapMinor: number;
      normalizedMinor: number;
      belowMinor: number;
      percentBelow: number;
      severity: string;
      currency: string;
      rule: RuleApplied;
    }
  | {
      kind: 'not_comparable';
      reason: 'no_map_in_effect' | 'currency_mismatch' | 'map_suspended' | 'invalid_input';
      detail: string;
      rule?: RuleApplied;
    };

/** The `invalid_input` detail for validation issues (also for the split parse in parse-compare-rules.ts). */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues.map((i) => `${i.path.length ? i.path.map(String).join('.') : '(input)'}: ${i.message}`).join('; ');
}

function fractionString(f: Fraction): string {
  return f.den === 1n ? f.num.toString() : `${f.num}/${f.den}`;
}

/** a >= b for fractions with positive denominators (numerators may be negative). */
function gte(a: Fraction, b: Fraction): boolean {
  return a.num * b.den >= b.num * a.den;
}

export function compareToMap(input: ComparisonInput): Verdict {
  const parsed = comparisonInputSchema.safeParse(input);
  if (!parsed.success) {
    return { kind: 'not_comparable', reason: 'invalid_input', detail: describeIssues(parsed.error.issues) };
  }
  return compareParsed(parsed.data);
}

/** The decision on an already validated input (compareToMap, or the once-per-rules parse of parse-compare-rules.ts). */
export function compareParsed(input: ParsedComparisonInput): Verdict {
  try {
    return compare(input);
  } catch (e) {
    // Validation should have caught everything; this keeps the no-throw promise
    // (e.g. an amount * pack product beyond the safe integer range).
    return { kind: 'not_comparable', reason: 'invalid_input', detail: (e as Error).message };
  }
}

function compare(input: ParsedComparisonInput): Verdict {
  const { observed } = input;
  const at = observed.capturedAt;

  const map = mapInEffect(input.mapPrices, observed.currency, at);
  if (!map) {
    const others = currenciesInEffect(input.mapPrices, at);
    if (others.length > 0) {
      return {
        kind: 'not_comparable',
        reason: 'currency_mismatch',
        detail: `observed ${observed.currency}, but the MAP in effect at ${at.toISOString()} is only in ${others.join(', ')}`,
      };
    }
    return {
      kind: 'not_comparable',
      reason: 'no_map_in_effect',
      detail: `no MAP in effect at ${at.toISOString()}`,
    };
  }

  const promo = activePromo(input.promos, at, map);
  const mapMinor = promo ? loweredMap(map, promo) : map.mapMinor;

  const norm = normalizeObserved({
    amountMinor: observed.amountMinor,
    listingPackSize: input.listingPackSize,
    productPackSize: input.productPackSize,
    siteVat: input.siteVat,
    mapIncludesVat: input.mapIncludesVat,
  });
  const n = norm.exact;

  // Tolerance amount, exact: max(absMinor, mapMinor * p / 100) as a fraction over 100*pd.
  const absMinor = input.tolerance.absMinor ?? null;
  const percent = input.tolerance.percent ?? null;
  const p = decimalToFraction(percent ?? 0);
  const tolDen = 100n * p.den;
  const tolAbs = BigInt(absMinor ?? 0) * tolDen;
  const tolPct = BigInt(mapMinor) * p.num;
  const tolNum = tolAbs > tolPct ? tolAbs : tolPct;
  const threshold: Fraction = { num: BigInt(mapMinor) * tolDen - tolNum, den: tolDen }; // may be <= 0
  const thresholdMinor = threshold.num <= 0n ? 0 : toSafeNumber(ceilDiv(threshold.num, threshold.den), 'threshold');

  const rule: RuleApplied = {
    mapMinor,
    baseMapMinor: map.mapMinor,
    listMinor: map.listMinor,
    currency: map.currency,
    effectiveFrom: map.effectiveFrom,
    effectiveTo: map.effectiveTo,
    ...(promo ? { promo: { ...promo, ...instantsOf(promo) } } : {}),
    observedMinor: observed.amountMinor,
    packFactor: { listingPackSize: input.listingPackSize, productPackSize: input.productPackSize },
    vatAdjustment: norm.vatAdjustment,
    vatRatePercent: norm.vatRatePercent,
    normalizedExact: fractionString(n),
    tolerance: { absMinor, percent, thresholdMinor },
  };

  if (promo?.kind === 'suspend') {
    const window = `${promo.startsAt} to ${promo.endsAt} ${promo.timeZone}`;
    return {
      kind: 'not_comparable',
      reason: 'map_suspended',
      detail: `MAP suspended by promo ${window}${promo.note ? ` (${promo.note})` : ''}`,
      rule,
    };
  }

  const currency = map.currency;
  if (gte(n, threshold)) {
    const normalizedMinor = toSafeNumber(ceilDiv(n.num, n.den), 'normalized amount');
    return { kind: 'compliant', mapMinor, normalizedMinor, currency, rule };
  }

  // Violation: n < threshold <= mapMinor.
  const normalizedMinor = toSafeNumber(floorDiv(n.num, n.den), 'normalized amount');
  // Exact percent below = (map - n) / map * 100 = (map*nd - nn) * 100 / (map*nd).
  const shortNum = BigInt(mapMinor) * n.den - n.num;
  const shortDen = BigInt(mapMinor) * n.den;
  return {
    kind: 'violation',
    mapMinor,
    normalizedMinor,
    belowMinor: mapMinor - normalizedMinor,
    percentBelow: percentBelowMap(n, mapMinor),
    severity: severityFor({ num: shortNum * 100n, den: shortDen }, input.severityBands),
    currency,
    rule,
  };
}

function instantsOf(promo: PromoWindow): { startsAtInstant: Date; endsAtInstant: Date } {
  const { start, end } = promoInstants(promo);
  return { startsAtInstant: start, endsAtInstant: end };
}
