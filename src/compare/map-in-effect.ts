/**
 * Which MAP window applies at an instant.
 *
 * Windows are half-open [effectiveFrom, effectiveTo): a MAP change at midnight
 * belongs to the new window only, so an observation never matches two
 * consecutive windows. effectiveTo null = open-ended.
 */
import type { MapPrice } from './schemas.js';

/** The fields the selection needs; rows with more columns are fine. */
export type MapWindow = Pick<MapPrice, 'currency' | 'mapMinor' | 'effectiveFrom' | 'effectiveTo'>;

function covers(m: MapWindow, atMs: number): boolean {
  return m.effectiveFrom.getTime() <= atMs && (m.effectiveTo === null || atMs < m.effectiveTo.getTime());
}

/**
 * The MAP in effect for `currency` at `at`, or null.
 *
 * Overlapping windows in the same currency happen when a new MAP is imported
 * without closing the old one. The most recently started window wins (it is
 * the manufacturer's latest word); on an exact tie the LOWER MAP wins, because
 * picking the higher one could report a violation the manufacturer never set.
 * Currency codes compare case-insensitively.
 */
export function mapInEffect<T extends MapWindow>(mapPrices: readonly T[], currency: string, at: Date): T | null {
  const atMs = at.getTime();
  const cur = currency.toUpperCase();
  let best: T | null = null;
  for (const m of mapPrices) {
    if (m.currency.toUpperCase() !== cur || !covers(m, atMs)) continue;
    if (
      best === null ||
      m.effectiveFrom.getTime() > best.effectiveFrom.getTime() ||
      (m.effectiveFrom.getTime() === best.effectiveFrom.getTime() && m.mapMinor < best.mapMinor)
    ) {
      best = m;
    }
  }
  return best;
}

/**
 * Currencies (upper-case, sorted, distinct) that have a MAP in effect at `at`.
 * Used to tell "no MAP at all" from "MAP only in another currency".
 */
export function currenciesInEffect(mapPrices: readonly MapWindow[], at: Date): string[] {
  const atMs = at.getTime();
  const set = new Set<string>();
  for (const m of mapPrices) if (covers(m, atMs)) set.add(m.currency.toUpperCase());
  return [...set].sort();
}
