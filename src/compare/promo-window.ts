/**
 * Which promo window applies at an instant, and what it does to the MAP.
 *
 * Promo times are local wall-clock times in the promo's own IANA zone (see
 * zoned-time.ts for the DST policy). Windows are half-open [startsAt, endsAt),
 * so a window ending at local midnight no longer applies at 00:00 local.
 *
 * Precedence when windows overlap:
 * - any active 'suspend' beats every 'lower' (no MAP enforced at all is the
 *   most lenient reading, so no false violation can come from the overlap);
 * - among 'lower' windows, the one giving the LOWEST resulting MAP wins (same
 *   reasoning); ties go to the first in array order.
 */
import { decimalToFraction, floorDiv, toSafeNumber } from './exact-decimal.js';
import type { MapWindow } from './map-in-effect.js';
import type { PromoWindow } from './schemas.js';
import { zonedWallTimeToInstant } from './zoned-time.js';

/** A promo as applied, with its window resolved to instants for evidence. */
export type AppliedPromo = PromoWindow & { startsAtInstant: Date; endsAtInstant: Date };

export function promoInstants(p: PromoWindow): { start: Date; end: Date } {
  return { start: zonedWallTimeToInstant(p.startsAt, p.timeZone), end: zonedWallTimeToInstant(p.endsAt, p.timeZone) };
}

export function isPromoActive(p: PromoWindow, at: Date): boolean {
  const { start, end } = promoInstants(p);
  return start.getTime() <= at.getTime() && at.getTime() < end.getTime();
}

/** A promo scoped to a currency applies only to MAPs in that currency. */
function appliesToCurrency(p: PromoWindow, currency: string): boolean {
  return p.currency === undefined || p.currency === null || p.currency.toUpperCase() === currency.toUpperCase();
}

/**
 * The MAP after a 'lower' promo. Never above the base MAP (a "lower" promo
 * cannot raise enforcement). percentOff rounds the lowered MAP DOWN, so
 * rounding alone never makes a price look below MAP. An absolute mapMinor in a
 * different currency than the base is ignored (never converted). With both
 * mapMinor and percentOff set, the lower result applies.
 */
export function loweredMap(base: Pick<MapWindow, 'mapMinor' | 'currency'>, promo: PromoWindow): number {
  if (promo.kind !== 'lower') return base.mapMinor;
  let result = base.mapMinor;
  const sameCurrency = !promo.currency || promo.currency.toUpperCase() === base.currency.toUpperCase();
  if (promo.mapMinor !== undefined && promo.mapMinor !== null && sameCurrency) {
    result = Math.min(result, promo.mapMinor);
  }
  if (promo.percentOff !== undefined && promo.percentOff !== null) {
    const { num, den } = decimalToFraction(promo.percentOff);
    // base * (100 - p) / 100 with p = num/den  ->  base * (100*den - num) / (100*den)
    const keep = 100n * den - num;
    if (keep <= 0n) throw new RangeError('percentOff must be below 100');
    result = Math.min(result, toSafeNumber(floorDiv(BigInt(base.mapMinor) * keep, 100n * den), 'lowered MAP'));
  }
  return result;
}

/**
 * The promo that governs the MAP at `at`, or null.
 *
 * Pass `base` (the MAP in effect) to scope promos to its currency and to rank
 * overlapping 'lower' promos by the MAP they produce. Without `base`, currency
 * scoping is skipped and the first active 'lower' in array order is returned.
 * Promos must be valid (see promoWindowSchema); an unknown zone throws.
 */
export function activePromo(
  promos: readonly PromoWindow[],
  at: Date,
  base?: Pick<MapWindow, 'mapMinor' | 'currency'> | null,
): PromoWindow | null {
  const active = promos.filter((p) => (!base || appliesToCurrency(p, base.currency)) && isPromoActive(p, at));
  const suspend = active.find((p) => p.kind === 'suspend');
  if (suspend) return suspend;
  let best: PromoWindow | null = null;
  let bestMap = Infinity;
  for (const p of active) {
    if (p.kind !== 'lower') continue;
    if (!base) return p;
    const m = loweredMap(base, p);
    if (m < bestMap) {
      best = p;
      bestMap = m;
    }
  }
  return best;
}
