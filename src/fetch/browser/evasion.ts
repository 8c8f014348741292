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

/** Whitespace that `\s+ -> ' '` would change: a run of two, or one that is not a space. */
const UNCOLLAPSED = /[^\S ]|\s\s/;

/**
 * norm(text) without the passes that change nothing: every read looks for the phrases in its
 * page's visible text (bot-wall.ts visibleText, already collapsed), and the text of a product
 * page is tens of kilobytes.
 */
function normText(text: string): string {
  let hay = text.toLowerCase();
  if (hay.includes('\u2019')) hay = hay.replace(/\u2019/g, "'");
  return UNCOLLAPSED.test(hay) ? hay.replace(/\s+/g, ' ') : hay;
}

/** The phrases normalised once per list (a site's list is the same array on every read). */
const normalised = new WeakMap<readonly string[], string[]>();

/** The phrases (from `phrases`) that occur in `text`, case- and whitespace-insensitively. */
export function findEvasionPhrases(text: string, phrases: readonly string[] = DEFAULT_EVASION_PHRASES): string[] {
  let needles = normalised.get(phrases);
  if (!needles) normalised.set(phrases, (needles = phrases.map(norm)));
  const hay = normText(text);
  return phrases.filter((_, i) => hay.includes(needles[i]!));
}
