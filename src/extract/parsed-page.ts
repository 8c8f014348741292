/**
 * The parsed document of a read's HTML, shared by the steps of that one read: extraction,
 * the learned locator's cross-check and learning each used to parse the same page again, and
 * parsing is the largest single cost of a static read (issue 15's profile). The read that
 * parsed the page keeps its document here, keyed by its draft; the check releases it once
 * learning is done, so a summary that keeps drafts (crawlNow) never pins whole documents.
 * Nothing here changes what is read: the document is the one parseHtml(html) gives, and
 * no step modifies it.
 */
import type { CheerioAPI } from 'cheerio';
import { parseHtml } from './parse-html.js';

const documents = new WeakMap<object, { html: string; $: CheerioAPI }>();

/** Keeps `$` (parsed from `html`) for the later steps of the read `owner` belongs to. */
export function keepParsed(owner: object, html: string, $: CheerioAPI): void {
  documents.set(owner, { html, $ });
}

/** The document of `html` kept for `owner`, else a fresh parse (a copied draft, a stored read). */
export function parsedPage(owner: object, html: string): CheerioAPI {
  const kept = documents.get(owner);
  return kept && kept.html === html ? kept.$ : parseHtml(html);
}

/** The read is done with its document. */
export function releaseParsed(owner: object): void {
  documents.delete(owner);
}
