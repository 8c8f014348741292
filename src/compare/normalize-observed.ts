/**
 * The observed price restated on the MAP's basis (per MAP pack, MAP's VAT
 * basis) as an EXACT fraction of minor units.
 *
 * Pack and VAT factors are applied in one exact step and never rounded here:
 * a 2-pack at 2 x MAP - 1 is MAP - 0.5 per MAP pack, which is a real
 * violation, and rounding it up to MAP (as normalizeForPack would for display)
 * would hide it; rounding it down could invent one against a tolerance
 * threshold. compareToMap decides on this exact value.
 *
 * VAT rule: site VAT-inclusive and MAP net -> remove VAT; site net and MAP
 * VAT-inclusive -> add VAT; no site VAT config -> assume the site advertises on
 * the MAP's basis.
 */
import { decimalToFraction, type Fraction } from './exact-decimal.js';

export type VatAdjustment = 'none' | 'removed' | 'added';

export interface ObservedOnMapBasis {
  exact: Fraction;
  vatAdjustment: VatAdjustment;
  /** The site's VAT rate when an adjustment was made, else null. */
  vatRatePercent: number | null;
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a < 0n ? -a : a;
}

export function reduce(f: Fraction): Fraction {
  const g = gcd(f.num, f.den);
  return g > 1n ? { num: f.num / g, den: f.den / g } : f;
}

export function normalizeObserved(args: {
  amountMinor: number;
  listingPackSize: number;
  productPackSize: number;
  siteVat?: { included: boolean; rate: number } | undefined;
  mapIncludesVat: boolean;
}): ObservedOnMapBasis {
  let num = BigInt(args.amountMinor) * BigInt(args.productPackSize);
  let den = BigInt(args.listingPackSize);
  let vatAdjustment: VatAdjustment = 'none';
  const vat = args.siteVat;
  if (vat && vat.included !== args.mapIncludesVat) {
    const r = decimalToFraction(vat.rate); // rate% = r.num / r.den
    const hundred = 100n * r.den;
    if (vat.included) {
      // gross -> net: x * 100 / (100 + rate)
      num *= hundred;
      den *= hundred + r.num;
      vatAdjustment = 'removed';
    } else {
      // net -> gross: x * (100 + rate) / 100
      num *= hundred + r.num;
      den *= hundred;
      vatAdjustment = 'added';
    }
  }
  return {
    exact: reduce({ num, den }),
    vatAdjustment,
    vatRatePercent: vatAdjustment === 'none' ? null : vat!.rate,
  };
}
