/**
 * The rough visible text of an HTML page: what the bot-wall check measures (a wall has little
 * text) and the MAP-evasion phrases are looked for in. fetchPage computes it once per page
 * (FetchResult.visibleText) and both use that copy.
 */

const RAW_TEXT_TAGS = new Set(['script', 'style', 'template', 'svg', 'noscript']);

/** The longest name in RAW_TEXT_TAGS. */
const RAW_TEXT_NAME_MAX = 8;

/** The UTF-16 code of `c` lower-cased when it is an ASCII capital, else `c`. */
const asciiLower = (c: number) => (c >= 65 && c <= 90 ? c + 32 : c);

/**
 * The name of the tag opening at `lt` (`<` at `lt`, its `>` at `gt`), when it is one of
 * RAW_TEXT_TAGS (in any case); else undefined. The same as /^<([a-z][a-z0-9-]*)/i on
 * `html.slice(lt, min(gt, lt + 20))`, without a slice and a regex for each of a page's thousand tags.
 */
function rawTextTagAt(html: string, lt: number, gt: number): string | undefined {
  const end = Math.min(gt, lt + 20);
  let j = lt + 1;
  const first = j < end ? asciiLower(html.charCodeAt(j)) : 0;
  if (first < 97 || first > 122) return undefined;
  for (j++; j < end; j++) {
    const c = asciiLower(html.charCodeAt(j));
    if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45)) break;
  }
  if (j - lt - 1 > RAW_TEXT_NAME_MAX) return undefined;
  const name = html.slice(lt + 1, j).toLowerCase();
  return RAW_TEXT_TAGS.has(name) ? name : undefined;
}

/** Where `</name` (the name in any case) starts at or after `from`, else -1. */
function closingTagAt(html: string, name: string, from: number): number {
  for (let k = html.indexOf('</', from); k !== -1; k = html.indexOf('</', k + 2)) {
    let j = 0;
    while (j < name.length && asciiLower(html.charCodeAt(k + 2 + j)) === name.charCodeAt(j)) j++;
    if (j === name.length) return k;
  }
  return -1;
}

/**
 * Rough visible text: tags, comments, scripts, styles and entities removed, whitespace collapsed.
 * A linear scanner (regexes like `<script[\s\S]*?</script>` go quadratic on unclosed tags).
 *
 * Tag names are compared without a lower-cased copy of the page: the copy was half of this
 * function's time on real pages (461 KB on average in the corpus), and its offsets are not the
 * page's when a character lower-cases to two ("İ" to "i̇", Turkish pages), which made the scan
 * miss the scripts after it and count their code as visible text.
 */
export function visibleText(html: string): string {
  const parts: string[] = [];
  let i = 0;
  while (i < html.length) {
    const lt = html.indexOf('<', i);
    if (lt === -1) {
      parts.push(html.slice(i));
      break;
    }
    if (lt > i) parts.push(html.slice(i, lt));
    if (html.startsWith('<!--', lt)) {
      const close = html.indexOf('-->', lt + 4);
      if (close === -1) break;
      i = close + 3;
      continue;
    }
    const gt = html.indexOf('>', lt + 1);
    if (gt === -1) break;
    const name = rawTextTagAt(html, lt, gt);
    i = gt + 1;
    if (name && html[gt - 1] !== '/') {
      const close = closingTagAt(html, name, i);
      if (close === -1) break;
      const closeEnd = html.indexOf('>', close);
      if (closeEnd === -1) break;
      i = closeEnd + 1;
    }
    parts.push(' ');
  }
  return parts
    .join('')
    .replace(/&[#a-z0-9]+;/gi, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}
