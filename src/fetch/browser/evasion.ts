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

/** A key word and the phrases that contain it, each with the word's offset in the phrase. */
interface WordGroup {
  word: string;
  members: { index: number; needle: string; at: number }[];
}

/**
 * The phrases grouped by a key word they share (most of the built-in ones share "price"): a phrase
 * occurs at p only where its word occurs at p + at, so one scan for the word and a startsWith at
 * each of its few occurrences replace a scan of the whole text per phrase. The word of a group is
 * the one that covers the most phrases not yet covered (then the longest). A phrase with no word
 * (only whitespace) is its own group, the whole phrase as the word.
 */
function groupByWord(needles: readonly string[]): WordGroup[] {
  const wordsOf = needles.map((n) => {
    const words = [...new Set(n.split(' ').filter((w) => w !== ''))];
    return words.length ? words : [n];
  });
  const left = new Set(needles.keys());
  const groups: WordGroup[] = [];
  while (left.size) {
    const cover = new Map<string, number>();
    for (const i of left) for (const w of wordsOf[i]!) cover.set(w, (cover.get(w) ?? 0) + 1);
    let best = '';
    for (const [w, n] of cover) {
      const b = cover.get(best) ?? 0;
      if (n > b || (n === b && w.length > best.length)) best = w;
    }
    const members = [...left]
      .filter((i) => wordsOf[i]!.includes(best))
      .map((i) => ({ index: i, needle: needles[i]!, at: needles[i]!.indexOf(best) }));
    for (const m of members) left.delete(m.index);
    groups.push({ word: best, members });
  }
  return groups;
}

/** The phrases' word groups, built once per list (a site's list is the same array on every read). */
const grouped = new WeakMap<readonly string[], WordGroup[]>();

/** The phrases (from `phrases`) that occur in `text`, case- and whitespace-insensitively. */
export function findEvasionPhrases(text: string, phrases: readonly string[] = DEFAULT_EVASION_PHRASES): string[] {
  let groups = grouped.get(phrases);
  if (!groups) grouped.set(phrases, (groups = groupByWord(phrases.map(norm))));
  const hay = normText(text);
  const found = new Array<boolean>(phrases.length).fill(false);
  for (const { word, members } of groups) {
    let open = members.length;
    // Every occurrence of the word, overlapping ones too (from q + 1), until its phrases are all found.
    for (let q = hay.indexOf(word); q !== -1 && open > 0; q = hay.indexOf(word, q + 1)) {
      for (const m of members) {
        if (!found[m.index] && q >= m.at && hay.startsWith(m.needle, q - m.at)) {
          found[m.index] = true;
          open--;
        }
      }
    }
  }
  return phrases.filter((_, i) => found[i]);
}
