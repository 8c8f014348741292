/**
 * The rough visible text of an HTML page: what the bot-wall check measures (a wall has little
 * text) and the MAP-evasion phrases are looked for in. fetchPage computes it once per page
 * (FetchResult.visibleText) and both use that copy.
 */

const RAW_TEXT_TAGS = new Set(['script', 'style', 'template', 'svg', 'noscript']);

/** The longest name in RAW_TEXT_TAGS. */
const RAW_TEXT_NAME_MAX = 8;

/**
 * The name of the tag opening at `lt` (`<` at `lt`, its `>` at `gt`), when it is one of
 * RAW_TEXT_TAGS; else undefined. The same as /^<([a-z][a-z0-9-]*)/ on `lower.slice(lt,
 * min(gt, lt + 20))`, without a slice and a regex for each of a page's thousand tags.
 */
function rawTextTagAt(lower: string, lt: number, gt: number): string | undefined {
  const end = Math.min(gt, lt + 20);
  let j = lt + 1;
  const first = j < end ? lower.charCodeAt(j) : 0;
  if (first < 97 || first > 122) return undefined;
  for (j++; j < end; j++) {
    const c = lower.charCodeAt(j);
    if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45)) break;
  }
  if (j - lt - 1 > RAW_TEXT_NAME_MAX) return undefined;
  const name = lower.slice(lt + 1, j);
  return RAW_TEXT_TAGS.has(name) ? name : undefined;
}

/**
 * Rough visible text: tags, comments, scripts, styles and entities removed, whitespace collapsed.
 * A linear scanner (regexes like `<script[\s\S]*?</script>` go quadratic on unclosed tags).
 */
export function visibleText(html: string): string {
  const lower = html.toLowerCase();
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
    const name = rawTextTagAt(lower, lt, gt);
    i = gt + 1;
    if (name && lower[gt - 1] !== '/') {
      const close = lower.indexOf(`</${name}`, i);
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
