/**
 * The parse of a fetched page that every extraction step reads: htmlparser2's tree, loaded into
 * cheerio (what Crawlee's CheerioCrawler parses with), instead of `cheerio.load(html)`'s parse5.
 *
 * Why: parse5 follows the HTML5 tree-construction algorithm character by character, and on a
 * product page with a large inline script it costs about ten times htmlparser2 (issue 15's
 * profile: the parse was the largest single cost of a static check, and most of its garbage).
 * Extraction reads elements, attributes, text and script bodies, which both parsers give the
 * same on the pages we read: on the whole shared corpus (129 pages, with and without a site
 * currency, and with the text model forced on) every extraction result is identical, offers,
 * warnings and abstentions included.
 *
 * The document is bound to cheerio without cheerio's `load` (bind-document.ts: a class per
 * page kept every document alive until a full GC).
 *
 * The one difference that could change a read is kept out: cheerio's parse5 runs with scripting
 * on, so the content of `<noscript>` (and of iframe, noembed, noframes) is raw text there, never
 * elements; a price, meta tag or microdata inside it must not become visible to extraction here
 * either. Such content is turned back into one raw text node, as parse5 has it. Newlines are
 * normalised as parse5 does, so text and attribute values are the same strings.
 */
import type { CheerioAPI } from 'cheerio';
import { type AnyNode, type Element, Text } from 'domhandler';
import { parseDocument } from 'htmlparser2';
import { bindDocument } from './bind-document.js';

/** Elements whose content parse5 (scripting on) keeps as raw text. */
const RAW_TEXT = new Set(['noscript', 'iframe', 'noembed', 'noframes']);
const HAS_RAW_TEXT = /<(noscript|iframe|noembed|noframes)[\s>/]/i;

export function parseHtml(source: string): CheerioAPI {
  // parse5 reads CR LF and a lone CR as LF (the HTML input stream's newline normalisation).
  const html = source.includes('\r') ? source.replace(/\r\n?/g, '\n') : source;
  if (!HAS_RAW_TEXT.test(html)) return bindDocument(parseDocument(html));
  // Source positions are kept only here, to cut each raw-text element's content out of the source.
  const doc = parseDocument(html, { withStartIndices: true, withEndIndices: true });
  const stack: AnyNode[] = [doc];
  while (stack.length) {
    const n = stack.pop()!;
    const kids = (n as { children?: AnyNode[] }).children;
    if (!kids?.length) continue;
    if (n.type === 'tag' && RAW_TEXT.has((n as Element).name)) {
      rawText(n as Element, html);
      continue;
    }
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
  }
  return bindDocument(doc);
}

/** Replaces the element's children with one text node of their source, undecoded (parse5's RAWTEXT). */
function rawText(el: Element, html: string): void {
  const first = el.children[0]!;
  const last = el.children[el.children.length - 1]!;
  if (first.startIndex === null || last.endIndex === null) return;
  const text = new Text(html.slice(first.startIndex, last.endIndex + 1));
  text.parent = el;
  el.children = [text];
}
