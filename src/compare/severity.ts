/**
 * Severity band of a violation.
 *
 * Bands are thresholds on percent below MAP: a violation belongs to the band
 * with the HIGHEST minPercentBelow that it reaches (>=), regardless of the
 * order bands are listed in. Inclusion is decided exactly: pass the integer
 * shortfall ({ belowMinor, mapMinor }) or the exact percent as a Fraction
 * rather than a rounded percent, so that 4.996 % (displayed "5.00") stays
 * below a 5 % band. A plain number is read as the exact decimal it prints as.
 *
 * A violation below every band's threshold (e.g. bands start at 5 % and the
 * price is 2 % under MAP) gets the lowest band: it is still a violation, and
 * inventing a name would break callers that switch on band names.
 */
import { decimalToFraction, type Fraction } from './exact-decimal.js';

export interface Band {
  name: string;
  minPercentBelow: number;
}

/** Exact shortfall: percent below = belowMinor / mapMinor * 100. */
export interface Shortfall {
  belowMinor: number;
  mapMinor: number;
}

function asPercentFraction(p: number | Shortfall | Fraction): Fraction {
  if (typeof p === 'number') return decimalToFraction(p);
  if ('num' in p) {
    if (p.den <= 0n || p.num < 0n) throw new RangeError('percent fraction needs num >= 0 and den > 0');
    return p;
  }
  if (!Number.isSafeInteger(p.belowMinor) || !Number.isSafeInteger(p.mapMinor) || p.mapMinor <= 0 || p.belowMinor < 0) {
    throw new RangeError('shortfall needs integer belowMinor >= 0 and mapMinor > 0');
  }
  return { num: BigInt(p.belowMinor) * 100n, den: BigInt(p.mapMinor) };
}

/** a >= b for fractions with positive denominators, by cross-multiplication. */
function gte(a: Fraction, b: Fraction): boolean {
  return a.num * b.den >= b.num * a.den;
}

export function severityFor(percentBelow: number | Shortfall | Fraction, bands: readonly Band[]): string {
  if (bands.length === 0) throw new RangeError('no severity bands configured');
  const p = asPercentFraction(percentBelow);
  const sorted = [...bands].sort((a, b) => a.minPercentBelow - b.minPercentBelow);
  let chosen = sorted[0]!;
  for (const band of sorted) {
    if (gte(p, decimalToFraction(band.minPercentBelow))) chosen = band;
  }
  return chosen.name;
}
