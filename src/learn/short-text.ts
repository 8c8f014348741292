/**
 * Whether an element's text could be a price element's value, told without building the text.
 *
 * A locator search reads every element of the page (price-locators.ts, minorAt): the text as
 * `textOf(el, limit)` gives it, spaces collapsed and trimmed, is a value only when it is
 * non-empty, at most `maxChars` long and holds a digit. Most elements are containers or hold no
 * digit; building their text only to refuse it was most of the search's garbage (issue 15).
 *
 * This walks the same nodes textOf would, in the same order and up to the same limit, and
 * counts what the collapsed text would hold, so it answers exactly as building it would.
 */
import type { AnyNode, Element } from 'domhandler';

/** JavaScript's `\s` and what String#trim removes (css-select splits class lists with it too). */
export function isSpace(c: number): boolean {
  return (
    c === 32 ||
    (c >= 9 && c <= 13) ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/**
 * True when `textOf(el, limit).replace(/\s+/g, ' ').trim()` is non-empty, at most `maxChars`
 * long and holds an ASCII digit.
 */
export function mayShowValue(el: Element, limit = 120, maxChars = 60): boolean {
  let len = 0; // of the raw text, as textOf counts it
  let collapsed = 0;
  let space = false;
  let digit = false;
  const stack: AnyNode[] = [el];
  while (stack.length && len < limit) {
    const n = stack.pop()!;
    if (n.type === 'text') {
      const data = (n as unknown as { data: string }).data;
      len += data.length;
      for (let i = 0; i < data.length; i++) {
        const c = data.charCodeAt(i);
        if (isSpace(c)) {
          space = collapsed > 0;
          continue;
        }
        collapsed += space ? 2 : 1;
        space = false;
        if (c >= 48 && c <= 57) digit = true;
      }
      if (collapsed > maxChars) return false;
      continue;
    }
    if ((n.type === 'script' || n.type === 'style') && n !== el) continue;
    if (n.type === 'tag' && n !== el && (n as Element).name === 'template') continue;
    const kids = (n as { children?: AnyNode[] }).children;
    if (kids) for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
  }
  return collapsed > 0 && digit;
}
