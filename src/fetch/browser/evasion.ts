/**
 * MAP-evasion signal: text that hides a below-MAP price behind a click ("see price in
 * cart"). It is recorded as a finding of its own, whether or not steps reveal the price.
 */
export const DEFAULT_EVASION_PHRASES = [
  'see price in cart',
  'see price in basket',
  'add to cart for price',
  'add to cart to see price',
  'add to basket to see price',
  'price too low to show',
  'price too low to display',
  'see final price in cart',
  'click for price',
  'login to see price',
];

function norm(s: string): string {
  return s
    .toLowerCase()
    .replace(/[\u2019']/g, "'")
    .replace(/\s+/g, ' ');
}

/** The phrases (from `phrases`) that occur in `text`, case- and whitespace-insensitively. */
export function findEvasionPhrases(text: string, phrases: readonly string[] = DEFAULT_EVASION_PHRASES): string[] {
  const hay = norm(text);
  return phrases.filter((p) => hay.includes(norm(p)));
}
