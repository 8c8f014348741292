/**
 * Sentences that sell a part as fitting another maker's product ("compatible with",
 * "replacement for"): next to an OEM part number they mark a non-genuine part listed under
 * the brand's numbers. Page text is untrusted: at most five sentences of 200 characters.
 */
import type { CheerioAPI } from 'cheerio';
import type { Element } from 'domhandler';
import { textOf } from './dom-index.js';

const COMPATIBLE = /\b(compatible with|replacement for|replaces|fits|works with|alternative to|substitute for)\b/i;

/**
 * Each phrase's first word: a page whose markup has none of them has no such sentence, and its
 * text is not walked. Most real pages pass anyway ("replace" is in nearly every inline script).
 */
const FIRST_WORDS = /compatible|replace|fits|works|alternative|substitute/i;

/** Never read as page text: scripts and styles (textOf skips them and templates), and these. */
const NOT_TEXT = new Set(['noscript', 'head']);
const notText = (el: Element) => NOT_TEXT.has(el.name);

/**
 * The compatibility sentences of the page `html`, read from `$`, the document the read already
 * parsed from it (parsedPage): walked, never modified. It used to parse the page a second time
 * with parse5 to remove scripts first, which on 111 of the corpus's 129 real pages (those with a
 * first word somewhere in their markup) cost about 7 times the read's own parse (issue 15).
 */
export function compatibilitySentences(html: string, $: CheerioAPI): string[] {
  if (!FIRST_WORDS.test(html)) return [];
  // A document without a <body> (htmlparser2 adds none): its top level, the <head> skipped.
  const body = $('body')[0] ?? $.root()[0];
  const text = textOf(body, Number.POSITIVE_INFINITY, notText).replace(/\s+/g, ' ');
  return text
    .split(/(?<=[.!?])\s+/)
    .filter((s) => COMPATIBLE.test(s))
    .slice(0, 5)
    .map((s) => s.trim().slice(0, 200));
}

/**
 * The words right after each compatibility phrase (at most 60 characters): the part a
 * non-genuine listing claims to fit. "Compatible with NW-F100" names NW-F100 there; the OEM's
 * own "NW-F100 replaces NW-F90" or "NW-F100 fits every X200" does not.
 */
export function compatibilityObjects(sentences: readonly string[]): { sentence: string; object: string }[] {
  const out: { sentence: string; object: string }[] = [];
  const all = new RegExp(COMPATIBLE.source, 'gi');
  for (const sentence of sentences)
    for (const m of sentence.matchAll(all))
      out.push({ sentence, object: sentence.slice(m.index + m[0].length, m.index + m[0].length + 60) });
  return out;
}
