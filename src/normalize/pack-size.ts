/**
 * Price per MAP pack: a listing may sell a 6-pack while the MAP is set per
 * 2-pack (or per unit). The comparable price is amount * productPack / listingPack.
 *
 * Rounding: UP (ceiling) to a whole minor unit. The result is an OBSERVED
 * price that is then checked against a floor (the MAP), so rounding it up can
 * only make it look more compliant, never create a violation. Since MAP is
 * an integer, ceil(x) < MAP exactly when x <= MAP - 1: a shortfall of a whole
 * minor unit per MAP pack always shows, while a fractional shortfall smaller
 * than one minor unit (e.g. 6-pack at 299 vs 2-pack MAP 100: 99.67) is not
 * reported, because no price in that currency could express it.
 *
 * compareToMap does pack and VAT normalization in ONE exact step (see
 * compare/normalize-observed.ts) so two ceilings never stack.
 */
import { ceilDiv, toSafeNumber } from '../compare/exact-decimal.js';

function assertPositiveInt(v: number, what: string): void {
  if (!Number.isSafeInteger(v) || v < 1) throw new RangeError(`${what} must be a positive integer, got ${v}`);
}

export function normalizeForPack(amountMinor: number, listingPackSize: number, productPackSize: number): number {
  if (!Number.isSafeInteger(amountMinor) || amountMinor < 0) {
    throw new RangeError(`amountMinor must be a non-negative integer, got ${amountMinor}`);
  }
  assertPositiveInt(listingPackSize, 'listingPackSize');
  assertPositiveInt(productPackSize, 'productPackSize');
  const exact = ceilDiv(BigInt(amountMinor) * BigInt(productPackSize), BigInt(listingPackSize));
  return toSafeNumber(exact, 'pack-normalized amount');
}
