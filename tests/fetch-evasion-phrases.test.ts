/**
 * findEvasionPhrases looks for the phrases by a key word they share (one scan per word) instead
 * of one scan per phrase. It must give exactly the answers of the scan per phrase, kept here as
 * the reference, on every string and phrase list.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_EVASION_PHRASES, findEvasionPhrases } from '../src/fetch/browser/evasion.js';

/** The matcher before the word groups: normalise both sides, one `includes` per phrase. */
function referenceMatcher(text: string, phrases: readonly string[] = DEFAULT_EVASION_PHRASES): string[] {
  const norm = (s: string) =>
    s
      .toLowerCase()
      .replace(/[\u2019']/g, "'")
      .replace(/\s+/g, ' ');
  const hay = norm(text);
  return phrases.filter((p) => hay.includes(norm(p)));
}

/** A small seeded generator, so a failure names a string that can be reproduced. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
}

const PIECES = [
  'see',
  'price',
  'PRICE',
  'Price',
  'in',
  'cart',
  'basket',
  'add',
  'to',
  'for',
  'too low',
  'show',
  'display',
  'final',
  'click',
  'login',
  'log in',
  "don't",
  'don\u2019t',
  'pricey',
  'prices',
  '$19.99',
  'pr',
  'ice',
  'c',
  'é',
  'İ',
  '\u2019',
  "'",
  'a',
  'aa',
  'b',
];
const SPACES = [' ', ' ', ' ', '', '  ', '\n', '\t', '\u00a0', ' \n '];

const LISTS: (readonly string[])[] = [
  DEFAULT_EVASION_PHRASES,
  ['see price in cart', 'price', 'see price', 'price in', 'in cart'],
  ["don't show price", 'don\u2019t show', 'Login  To See Price', 'SEE PRICE IN CART'],
  ['  price  ', ' see', 'cart ', 'c c', 'cc c', 'pr ice'],
  ['price price', 'price price price', 'in in', 'to to see'],
  ['see price in cart', 'see price in cart', 'click for price'],
  ['   ', 'abc', 'İ price', 'é', 'price é'],
  ['aa b', 'aaa', 'b aa'],
];

describe('findEvasionPhrases', () => {
  it('finds the built-in phrases in a page text', () => {
    expect(findEvasionPhrases('Acme Drill. See price in cart! Or click   for\nprice.')).toEqual([
      'see price in cart',
      'click for price',
    ]);
    expect(findEvasionPhrases('Acme Drill $199.00 Add to cart')).toEqual([]);
    expect(findEvasionPhrases('Price too low to display – ADD TO CART TO SEE PRICE')).toEqual([
      'add to cart to see price',
      'price too low to display',
    ]);
  });

  it('finds overlapping occurrences of the shared word', () => {
    const list = ['price price', 'price price price'];
    expect(findEvasionPhrases('price price price', list)).toEqual(list);
    expect(findEvasionPhrases('pricepriceprice', ['priceprice'])).toEqual(['priceprice']);
    // The word "aa" occurs at 0 and at 1; the phrase only from the second.
    expect(findEvasionPhrases('aaa b', ['aa b'])).toEqual(['aa b']);
  });

  it('gives the answers of one scan per phrase on 20,000 generated strings', () => {
    const rand = prng(15);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
    let found = 0;
    for (let n = 0; n < 20_000; n++) {
      const parts: string[] = [];
      const len = 1 + Math.floor(rand() * 14);
      for (let k = 0; k < len; k++) {
        // Often a whole phrase, so that most lists are matched sometimes.
        parts.push(rand() < 0.15 ? pick(pick(LISTS)) : pick(PIECES), pick(SPACES));
      }
      const text = parts.join('');
      const list = pick(LISTS);
      const want = referenceMatcher(text, list);
      expect(findEvasionPhrases(text, list), JSON.stringify([text, list])).toEqual(want);
      found += want.length;
    }
    expect(found).toBeGreaterThan(2000); // the strings did hit the phrases, not only miss them
  });

  it('gives the answers of one scan per phrase on hand-picked strings', () => {
    const texts = [
      '',
      'price',
      'see  price\tin\ncart',
      'SEE PRICE IN CART',
      'seeprice in cart',
      'see price in carts and login to see price',
      "Don\u2019t show price. Don't show.",
      'add to basket to see price add to cart for price price too low to show',
      'see final price in cart',
      'x'.repeat(10_000) + ' click for price',
      'İ price é',
      '   ',
    ];
    for (const list of LISTS)
      for (const text of texts) expect(findEvasionPhrases(text, list), text).toEqual(referenceMatcher(text, list));
  });
});
