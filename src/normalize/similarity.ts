/**
 * Comparable forms of what pages and catalogs write differently: brands ("NORTHWIND" vs
 * "Northwind Audio"), part numbers ("HP-100" vs "hp100") and product titles.
 */

const STOP = new Set(['the', 'a', 'an', 'and', 'with', 'for', 'of', 'in', 'by', 'new', '&', '-', '|']);

export function normalizeMpn(raw: string | null | undefined): string | null {
  if (!raw) return null;
  const n = raw.toUpperCase().replace(/[^A-Z0-9]/g, '');
  return n.length >= 2 ? n : null;
}

function brandTokens(s: string): string[] {
  return s
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9 ]+/g, ' ')
    .split(/\s+/)
    .filter((t) => t && !['inc', 'ltd', 'llc', 'gmbh', 'co', 'corp', 'the'].includes(t));
}

/** Same brand when one name's words start the other's ("Northwind" and "Northwind Audio"). */
export function sameBrand(a: string, b: string): boolean {
  const x = brandTokens(a);
  const y = brandTokens(b);
  if (!x.length || !y.length) return false;
  const [short, long] = x.length <= y.length ? [x, y] : [y, x];
  return short.every((t, i) => long[i] === t);
}

export function titleTokens(s: string): string[] {
  return s
    .normalize('NFKD')
    .toLowerCase()
    .replace(/(\d)-(\d)/g, '$1$2')
    .replace(/([a-z]+)-(\d+)/g, '$1$2')
    .replace(/[^a-z0-9 ]+/g, ' ')
    .split(/\s+/)
    .filter((t) => t && !STOP.has(t));
}

/**
 * Dice similarity of the two titles' word sets, where a word with a digit (a model number)
 * weighs three: "SPK-20" vs "SPK-30" must pull two titles apart however much else they share.
 */
export function titleSimilarity(a: string, b: string): number {
  const x = new Set(titleTokens(a));
  const y = new Set(titleTokens(b));
  const w = (t: string) => (/\d/.test(t) ? 3 : 1);
  let common = 0;
  let total = 0;
  for (const t of x) {
    total += w(t);
    if (y.has(t)) common += w(t);
  }
  for (const t of y) total += w(t);
  if (total === 0) return 0;
  // A model number on one side that the other lacks is a different product, not a near match.
  const modelsA = [...x].filter((t) => /\d/.test(t));
  const modelsB = [...y].filter((t) => /\d/.test(t));
  if (modelsA.length && modelsB.length && !modelsA.some((t) => y.has(t))) return Math.min(0.5, (2 * common) / total);
  return (2 * common) / total;
}
