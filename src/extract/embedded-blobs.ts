/**
 * Finds the state blobs storefront frameworks embed in a page and parses them as JSON only: no
 * page script is ever run. A blob that is not plain JSON (Nuxt's `(function(a,b){…})(…)`, a
 * `JSON.parse("…")` string) is skipped. Each body is capped in size, so a 5 MB page costs one
 * bounded scan per script.
 */
import type { CheerioAPI } from 'cheerio';
import type { Element } from 'domhandler';
import { textOf, type DomIndex } from './dom-index.js';

/** Where a blob came from; says how its prices are written (major or minor units). */
export type BlobKind =
  | 'next-data'
  | 'next-flight'
  | 'nuxt'
  | 'initial-state'
  | 'shopify-product'
  | 'shopify-meta'
  | 'vtex-sku'
  | 'magento-price-box';

export interface Blob {
  kind: BlobKind;
  value: unknown;
}

/** A state blob larger than this is not read: real product state is well under it. */
export const MAX_BLOB_CHARS = 3_000_000;

/** `window.__NUXT__ = {`, `__INITIAL_STATE__={`, `var meta = {`, `skuJson_0_0 = {` … */
const ASSIGNED =
  /(?:window\.|self\.|var\s+|let\s+|const\s+)?(__NUXT__|__INITIAL_STATE__|__PRELOADED_STATE__|meta|skuJson(?:_\d+)*)\s*=\s*(?=\{)/g;

const KIND_OF: Record<string, BlobKind> = {
  __NUXT__: 'nuxt',
  __INITIAL_STATE__: 'initial-state',
  __PRELOADED_STATE__: 'initial-state',
  meta: 'shopify-meta',
};

/**
 * The balanced `{…}` starting at `start`, string-aware, or null when it does not close within
 * the cap. Iterative: nesting depth costs nothing here (the walk that follows limits depth).
 */
export function balancedObject(s: string, start: number, cap = MAX_BLOB_CHARS): string | null {
  let depth = 0;
  let inStr = false;
  const end = Math.min(s.length, start + cap);
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (inStr) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inStr = false;
      continue;
    }
    if (c === 34) inStr = true;
    else if (c === 123 || c === 91) depth++;
    else if (c === 125 || c === 93) {
      depth--;
      if (depth === 0) return s.slice(start, i + 1);
    }
  }
  return null;
}

function parse(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

function jsonScript(el: Element): BlobKind | null {
  const a = el.attribs;
  if (a['id'] === '__NEXT_DATA__') return 'next-data';
  if (!/json/i.test(a['type'] ?? '')) return null;
  if (a['data-product-json'] !== undefined || /^ProductJson-/i.test(a['id'] ?? '')) return 'shopify-product';
  return null;
}

const FLIGHT_PUSH = /self\.__next_f\.push\(\s*(?=\[)/g;

/**
 * Next.js App Router flight data: `self.__next_f.push([1,"…"])` scripts whose strings, joined in
 * order, are lines `id:payload`; the payloads that are JSON arrays or objects are React props,
 * where a product page's product sits.
 */
function flightBlobs(chunks: string[], out: Blob[]): void {
  const stream = chunks.join('');
  for (const line of stream.split('\n')) {
    const m = /^[0-9a-z]+:(?=[[{])/i.exec(line);
    if (!m) continue;
    const v = parse(line.slice(m[0].length));
    if (v !== undefined) out.push({ kind: 'next-flight', value: v });
  }
}

export function findBlobs(_$: CheerioAPI, idx: DomIndex, warnings: string[]): Blob[] {
  const out: Blob[] = [];
  let skipped = 0;
  const flight: string[] = [];
  let flightChars = 0;
  for (const el of idx.dataScripts) {
    const body = textOf(el, MAX_BLOB_CHARS + 1);
    if (body.length > MAX_BLOB_CHARS) {
      skipped++;
      continue;
    }
    const whole = jsonScript(el);
    if (whole) {
      const v = parse(body.trim());
      if (v !== undefined) out.push({ kind: whole, value: v });
      else skipped++;
      continue;
    }
    if (body.includes('self.__next_f.push(')) {
      for (const m of body.matchAll(FLIGHT_PUSH)) {
        const arr = balancedObject(body, m.index + m[0].length);
        const v = arr === null ? undefined : parse(arr);
        if (!Array.isArray(v) || v[0] !== 1 || typeof v[1] !== 'string') continue;
        flightChars += v[1].length;
        if (flightChars <= MAX_BLOB_CHARS) flight.push(v[1]);
      }
      continue;
    }
    if (!/__NUXT__|__INITIAL_STATE__|__PRELOADED_STATE__|meta\s*=|skuJson/.test(body)) continue;
    for (const m of body.matchAll(ASSIGNED)) {
      const name = m[1]!;
      const kind = KIND_OF[name] ?? 'vtex-sku';
      const obj = balancedObject(body, m.index + m[0].length);
      const v = obj === null ? undefined : parse(obj);
      if (v === undefined) {
        // not plain JSON (a function call, a JS object literal): never evaluated
        if (kind !== 'shopify-meta') skipped++;
        continue;
      }
      out.push({ kind, value: v });
    }
  }
  if (flightChars > MAX_BLOB_CHARS) skipped++;
  else if (flight.length > 0) flightBlobs(flight, out);
  if (skipped > 0) warnings.push(`embedded: ${skipped} state blob(s) not plain JSON or too large; skipped`);
  return out;
}
