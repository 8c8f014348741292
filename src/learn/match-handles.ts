/**
 * Every element each candidate locator matches, found in one walk of the document.
 *
 * Why: a locator search (price-locators.ts) verified each of its candidates (up to 160) with
 * its own css-select query: a compile and a walk of the whole document each, and a cheerio
 * object per answer. On a first sweep that was most of a learning read's CPU, and its garbage
 * made every scavenge copy the in-flight pages (issue 15's profile: a learning read cost about
 * 2 CPU ms).
 *
 * Only the forms the search itself builds are matched here, with css-select's own semantics
 * for an HTML document (case-sensitive class, id and attribute values, lower-case tag names,
 * `A B` matching any ancestor): `[itemprop="w"]`, `#w`, `.w`, `tag.w`, each alone or after one
 * `#w` or `.w` ancestor, where w is a stable word. parseHandle() returns null for anything else, and
 * the caller asks css-select, as before.
 */
import type { AnyNode, Element } from 'domhandler';
import { isSpace } from './short-text.js';

type Own =
  { kind: 'itemprop'; value: string } | { kind: 'id'; value: string } | { kind: 'class'; value: string; tag?: string };
type Anc = { kind: 'id' | 'class'; value: string };
export interface Handle {
  selector: string;
  own: Own;
  anc?: Anc;
}

const WORD = '[A-Za-z][\\w-]*';
const OWN = new RegExp(`^(?:\\[itemprop="(${WORD})"\\]|#(${WORD})|([a-z][a-z0-9-]*)?\\.(${WORD}))$`);
const ANC = new RegExp(`^(?:#(${WORD})|\\.(${WORD}))$`);

/** The handle of a selector the search builds, or null (the caller uses css-select). */
export function parseHandle(selector: string): Handle | null {
  const parts = selector.split(' ');
  if (parts.length > 2) return null;
  const own = OWN.exec(parts[parts.length - 1]!);
  if (!own) return null;
  const h: Handle = {
    selector,
    own: own[1]
      ? { kind: 'itemprop', value: own[1] }
      : own[2]
        ? { kind: 'id', value: own[2] }
        : { kind: 'class', value: own[4]!, ...(own[3] && { tag: own[3] }) },
  };
  if (parts.length === 2) {
    const anc = ANC.exec(parts[0]!);
    if (!anc) return null;
    h.anc = anc[1] ? { kind: 'id', value: anc[1] } : { kind: 'class', value: anc[2]! };
  }
  return h;
}

/** `word` is one of the whitespace-separated words of `list` (CSS `~=`), without splitting it. */
export function hasWord(list: string, word: string): boolean {
  for (let i = list.indexOf(word); i !== -1; i = list.indexOf(word, i + 1)) {
    const end = i + word.length;
    if ((i === 0 || isSpace(list.charCodeAt(i - 1))) && (end === list.length || isSpace(list.charCodeAt(end))))
      return true;
  }
  return false;
}

/** What css-select treats as an element: tags, scripts and styles. */
const isElement = (n: AnyNode): n is Element => n.type === 'tag' || n.type === 'script' || n.type === 'style';

const ancMatches = (a: Anc, el: Element): boolean =>
  a.kind === 'id'
    ? el.attribs['id'] === a.value
    : el.attribs['class'] !== undefined && hasWord(el.attribs['class'], a.value);

/** Handles by what they ask of the element itself: its itemprop, its id, or a word of its class. */
function indexByOwn(handles: readonly Handle[]) {
  const by = {
    itemprop: new Map<string, Handle[]>(),
    id: new Map<string, Handle[]>(),
    class: new Map<string, Handle[]>(),
  };
  for (const h of handles) {
    const m = by[h.own.kind];
    const list = m.get(h.own.value);
    if (list) list.push(h);
    else m.set(h.own.value, [h]);
  }
  return by;
}

/**
 * Calls `visit(handle, el)` for every element each handle matches under `root` (document order,
 * as css-select gives them). `visit` returns false to stop asking about that handle.
 */
export function matchHandles(
  root: AnyNode,
  handles: readonly Handle[],
  visit: (h: Handle, el: Element) => boolean,
): void {
  const by = indexByOwn(handles);
  const classes = [...by.class];
  const done = new Set<Handle>();
  // Ancestor handles in force: how many open ancestors match each.
  const ancestors = [
    ...new Map(handles.flatMap((h) => (h.anc ? [[`${h.anc.kind}:${h.anc.value}`, h.anc] as const] : []))).values(),
  ];
  const ancKey = (a: Anc) => `${a.kind}:${a.value}`;
  const open = new Map<string, number>(ancestors.map((a) => [ancKey(a), 0]));
  const ask = (list: readonly Handle[] | undefined, el: Element) => {
    if (!list) return;
    for (const h of list) {
      if (done.has(h)) continue;
      if (h.own.kind === 'class' && h.own.tag && h.own.tag !== el.name) continue;
      if (h.anc && open.get(ancKey(h.anc)) === 0) continue;
      if (!visit(h, el)) done.add(h);
    }
  };
  const EXIT = Symbol('exit');
  const stack: (AnyNode | { [EXIT]: string[] })[] = [...((root as { children?: AnyNode[] }).children ?? [])].reverse();
  while (stack.length && done.size < handles.length) {
    const n = stack.pop()!;
    if (EXIT in n) {
      for (const k of n[EXIT]) open.set(k, open.get(k)! - 1);
      continue;
    }
    if (!isElement(n)) continue;
    const a = n.attribs;
    if (a['itemprop'] !== undefined) ask(by.itemprop.get(a['itemprop']), n);
    if (a['id'] !== undefined) ask(by.id.get(a['id']), n);
    const cls = a['class'];
    if (cls !== undefined) for (const [word, list] of classes) if (hasWord(cls, word)) ask(list, n);
    const kids = n.children;
    if (!kids.length) continue;
    const entered = ancestors.filter((x) => ancMatches(x, n)).map(ancKey);
    if (entered.length) {
      for (const k of entered) open.set(k, open.get(k)! + 1);
      stack.push({ [EXIT]: entered });
    }
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
  }
}
