/**
 * The one definition of "percent below MAP": exact (MAP − price) / MAP × 100, rounded
 * half-up to hundredths, in integer arithmetic (no float ever rounds it). The price may be
 * an exact fraction (pack size and VAT applied) or whole minor units. compareToMap and the
 * case facts (cases, notices, digests, `mapwatch cases`) both use it, so they agree.
 */
import { type Fraction, roundHalfUpDiv } from './exact-decimal.js';

/** Hundredths of a percent (e.g. 1050n = 10.50 %); negative when the price is above MAP. */
export function hundredthsBelowMap(price: Fraction | number, mapMinor: number): bigint {
  const p = typeof price === 'number' ? { num: BigInt(price), den: 1n } : price;
  if (mapMinor <= 0) throw new RangeError(`MAP must be positive, got ${mapMinor}`);
  const shortNum = BigInt(mapMinor) * p.den - p.num;
  const shortDen = BigInt(mapMinor) * p.den;
  // Half-up away from zero on both sides, so a price 0.005 % above MAP is -0.01 and not -0.00.
  return shortNum >= 0n ? roundHalfUpDiv(shortNum * 10_000n, shortDen) : -roundHalfUpDiv(-shortNum * 10_000n, shortDen);
}

/** Percent below MAP as a number with two decimals (10.5 for 10.50 %). */
export function percentBelowMap(price: Fraction | number, mapMinor: number): number {
  return Number(hundredthsBelowMap(price, mapMinor)) / 100;
}
