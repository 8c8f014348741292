/**
 * Sentences that sell a part as fitting another maker's product ("compatible with",
 * "replacement for"): next to an OEM part number they mark a non-genuine part listed under
 * the brand's numbers. Page text is untrusted: at most five sentences of 200 characters.
 */
import * as cheerio from 'cheerio';

const COMPATIBLE = /\b(compatible with|replacement for|replaces|fits|works with|alternative to|substitute for)\b/i;

/**
 * Each phrase's first word: a page whose markup has none of them has no such sentence, and is
 * not parsed again (a whole parse of every page read, for a signal few pages carry).
 */
const FIRST_WORDS = /compatible|replace|fits|works|alternative|substitute/i;

export function compatibilitySentences(html: string): string[] {
  if (!FIRST_WORDS.test(html)) return [];
  const $ = cheerio.load(html);
  $('script, style, noscript').remove();
  const text = $('body').text().replace(/\s+/g, ' ');
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
