/**
 * Exact rational arithmetic for percentages and ratios of money.
 *
 * Rates (VAT 7.7 %, tolerance 2.5 %, promo 12.5 % off, severity band 5 %) arrive
 * as JS numbers. Multiplying money by a float can land a hair on the wrong side
 * of a boundary (e.g. 1000 * 0.07 = 70.00000000000001), which would flip a
 * compliant price into a violation. So every rate is read as the exact decimal
 * the caller wrote (the shortest round-trip string of the number, i.e. what
 * `String(x)` prints) and all arithmetic is done on BigInt.
 */

/** A non-negative exact fraction num/den, den > 0. */
export interface Fraction {
  num: bigint;
  den: bigint;
}

/**
 * 7.7 -> 77/10, 20 -> 20/1, 1e-7 -> 1/10000000. Only finite, non-negative
 * numbers: every caller deals with rates and amounts that cannot be negative.
 */
export function decimalToFraction(x: number): Fraction {
  if (!Number.isFinite(x) || x < 0) throw new RangeError(`${x} is not a finite non-negative number`);
  // String() gives the shortest decimal that round-trips, possibly in e-notation.
  const m = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(x));
  if (!m) throw new RangeError(`cannot read ${x} as a decimal`);
  const [, whole, frac = '', expRaw = '0'] = m;
  let num = BigInt(whole + frac);
  let den = 10n ** BigInt(frac.length);
  const exp = Number(expRaw);
  if (exp > 0) num *= 10n ** BigInt(exp);
  else if (exp < 0) den *= 10n ** BigInt(-exp);
  return { num, den };
}

/** ceil(a / b) for a >= 0, b > 0. */
export function ceilDiv(a: bigint, b: bigint): bigint {
  if (a < 0n || b <= 0n) throw new RangeError('ceilDiv expects a >= 0 and b > 0');
  return (a + b - 1n) / b;
}

/** floor(a / b) for a >= 0, b > 0 (BigInt division already truncates toward zero). */
export function floorDiv(a: bigint, b: bigint): bigint {
  if (a < 0n || b <= 0n) throw new RangeError('floorDiv expects a >= 0 and b > 0');
  return a / b;
}

/** round(a / b), halves away from zero, for a >= 0, b > 0. Display only. */
export function roundHalfUpDiv(a: bigint, b: bigint): bigint {
  if (a < 0n || b <= 0n) throw new RangeError('roundHalfUpDiv expects a >= 0 and b > 0');
  return (2n * a + b) / (2n * b);
}

/** BigInt -> number, refusing anything that would lose precision. */
export function toSafeNumber(v: bigint, what: string): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new RangeError(`${what} is outside the safe integer range`);
  }
  return Number(v);
}
