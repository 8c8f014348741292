/**
 * VAT basis conversion of an OBSERVED price, so it can be compared with a MAP
 * stated on the other basis (net vs VAT-inclusive).
 *
 * Rates are percent (20 = 20 %) and read exactly as written (7.7 is 77/10, not
 * the nearest float), with BigInt arithmetic.
 *
 * Rounding: UP (ceiling) to a whole minor unit in both directions. The result
 * is compared against a floor (the MAP), so rounding up can only make a price
 * look more compliant and never creates a false violation. Do NOT use these to
 * convert a MAP: a MAP would have to be rounded down for the same guarantee.
 */
import { ceilDiv, decimalToFraction, toSafeNumber } from '../compare/exact-decimal.js';

function check(minor: number, ratePercent: number): void {
  if (!Number.isSafeInteger(minor) || minor < 0)
    throw new RangeError(`minor must be a non-negative integer, got ${minor}`);
  if (!Number.isFinite(ratePercent) || ratePercent < 0 || ratePercent > 100) {
    throw new RangeError(`VAT rate must be between 0 and 100 percent, got ${ratePercent}`);
  }
}

/** Gross -> net: minor * 100 / (100 + rate), rounded up. 1200 @ 20 % -> 1000; 1199 -> 1000 (999.17 up). */
export function removeVat(minor: number, ratePercent: number): number {
  check(minor, ratePercent);
  const { num, den } = decimalToFraction(ratePercent);
  return toSafeNumber(ceilDiv(BigInt(minor) * 100n * den, 100n * den + num), 'net amount');
}

/** Net -> gross: minor * (100 + rate) / 100, rounded up. 1000 @ 20 % -> 1200; 999 -> 1199 (1198.8 up). */
export function addVat(minor: number, ratePercent: number): number {
  check(minor, ratePercent);
  const { num, den } = decimalToFraction(ratePercent);
  return toSafeNumber(ceilDiv(BigInt(minor) * (100n * den + num), 100n * den), 'gross amount');
}
