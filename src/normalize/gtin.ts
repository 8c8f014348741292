/**
 * GTIN-8/12/13/14 as one key: the GTIN-14 (left-padded with zeros) whose GS1 check digit is
 * right. A number with a wrong check digit is not a GTIN at all (a typo, an internal id, a
 * price read as digits), so it never matches anything.
 */

/** The GTIN-14 of a GTIN-8/12/13/14 with a valid check digit, else null. */
export function gtin14(raw: string | null | undefined): string | null {
  if (!raw) return null;
  const digits = raw.replace(/[\s-]/g, '');
  if (!/^\d{8}$|^\d{12,14}$/.test(digits)) return null;
  const g = digits.padStart(14, '0');
  if (/^0+$/.test(g)) return null;
  return checkDigit(g.slice(0, 13)) === Number(g[13]) ? g : null;
}

/** GS1 mod-10: weights 3,1,3,… from the right of the 13 data digits. */
export function checkDigit(data13: string): number {
  let sum = 0;
  for (let i = 0; i < data13.length; i++) {
    const d = Number(data13[data13.length - 1 - i]);
    sum += d * (i % 2 === 0 ? 3 : 1);
  }
  return (10 - (sum % 10)) % 10;
}

/**
 * Whether a GTIN-14 falls under one of the company prefixes a brand owns (6–12 digits, written
 * for the GTIN-13, or for the UPC-A, which is the GTIN-13 without its leading 0). The GTIN-14's
 * first digit is the packaging indicator, not part of the prefix.
 */
export function hasCompanyPrefix(g14: string, prefixes: readonly string[]): boolean {
  const gtin13 = g14.slice(1);
  return prefixes.some((p) => gtin13.startsWith(p) || gtin13.startsWith('0' + p));
}
