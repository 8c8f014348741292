/**
 * A cheerio API over a document htmlparser2 has already parsed, the same as `cheerio.load(doc)`
 * gives, without the class cheerio's load declares on every call.
 *
 * Why: cheerio 1.2's `load` declares `class LoadedCheerio extends Cheerio` inside the call, so
 * every page read gets its own class, whose prototype keeps the page's whole document reachable
 * from the old generation. No scavenge can free such a document; each one is promoted and waits
 * for a full mark-compact. On the bench's 30 KB pages that cost more than the parse itself (a
 * parse alone ~0.2 ms, the parse and `load` ~0.6–0.8 ms). Here one class, declared once, serves
 * every document: an instance finds its document through its `_root`, as cheerio's own do.
 *
 * What is the same as `load(doc)`: the options (cheerio's defaults), `$(selector)`,
 * `$(selector, context)`, `$(node)`, `$(html)`, every static method (`$.root()`, `$.html()`,
 * `$.text()`...), `_parse` and `_render` (taken from a loaded instance: they depend on the
 * options only, never on a document), and what traversal gives back (`_make` wraps elements
 * under the same root). tests/bind-document.test.ts holds the two side by side.
 */
import { type CheerioAPI, load } from 'cheerio';
import { isCheerio, isHtml } from 'cheerio/utils';
import type { AnyNode, Document } from 'domhandler';

/** A loaded instance: its class carries cheerio's `_parse` and `_render`, and it has the static methods. */
const template = load('');

interface Wrapped {
  _root: Wrapped | null;
  options: unknown;
  prevObject?: unknown;
  find(selector: string): Wrapped;
  length: number;
}

type WrappedClass = new (elements: ArrayLike<unknown> | undefined, root: Wrapped | null, options: unknown) => Wrapped;
const Loaded = (template.prototype as { constructor: WrappedClass }).constructor;
const options = (template as unknown as { _options: unknown })._options;

/** Elements of a node or array, as cheerio's own `isNode` tells them apart. */
function isNode(obj: { name?: unknown; type?: unknown }): boolean {
  return !!obj.name || obj.type === 'root' || obj.type === 'text' || obj.type === 'comment';
}

/** cheerio's `initialize` (load.js), with the root passed in instead of closed over. */
function make(root: Wrapped, selector: unknown, context?: unknown): Wrapped {
  if (selector && isCheerio(selector)) return selector as Wrapped;
  if (!selector) return new Bound(undefined, root, options);
  const parse = (s: string) =>
    (root as unknown as { _parse(c: string, o: unknown, d: boolean, x: null): Document })._parse(
      s,
      options,
      false,
      null,
    );
  const elements =
    typeof selector === 'string' && isHtml(selector)
      ? parse(selector).children
      : isNode(selector as object)
        ? [selector]
        : Array.isArray(selector)
          ? selector
          : undefined;
  const instance = new Bound(elements as ArrayLike<unknown> | undefined, root, options);
  if (elements) return instance;
  if (typeof selector !== 'string') throw new TypeError('Unexpected type of selector');
  let search = selector;
  const searchContext: Wrapped | undefined = context
    ? typeof context === 'string'
      ? isHtml(context)
        ? new Bound([parse(context)], root, options)
        : ((search = `${context} ${search}`), root)
      : isCheerio(context)
        ? (context as Wrapped)
        : new Bound(Array.isArray(context) ? context : [context], root, options)
    : root;
  if (!searchContext) return instance;
  return searchContext.find(search);
}

class Bound extends Loaded {
  _make(selector: unknown, context?: unknown): Wrapped {
    const c = make(this._root!, selector, context);
    c.prevObject = this;
    return c;
  }
}

const statics = Object.fromEntries(
  Object.entries(template).filter(([k]) => !['_root', '_options', 'fn', 'prototype', 'load'].includes(k)),
);

/** `cheerio.load(doc)` for a parsed document, without a class per document. */
export function bindDocument(doc: Document): CheerioAPI {
  const root = new Bound([doc as AnyNode], null, options);
  root._root = root;
  // A bound function, not a closure: no function object is compiled or named per page.
  const $ = make.bind(null, root);
  Object.assign($, statics, {
    load,
    _root: doc,
    _options: options,
    fn: Bound.prototype,
    prototype: Bound.prototype,
  });
  return $ as unknown as CheerioAPI;
}
