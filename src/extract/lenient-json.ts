/**
 * Tolerant parsing of `<script type="application/ld+json">` bodies.
 *
 * Real sites ship broken JSON-LD: HTML comment or CDATA wrappers, `//` and `/* *\/` comments,
 * raw newlines and tabs inside strings, trailing commas, several objects back to back and
 * HTML-entity-encoded quotes. This never throws: what cannot be recovered is reported in
 * `warnings` and skipped.
 */
import { load } from 'cheerio';

export interface LenientParse {
  values: unknown[];
  warnings: string[];
}

const ENTITY: Record<string, string> = {
  quot: '"',
  amp: '&',
  lt: '<',
  gt: '>',
  apos: "'",
  nbsp: '\u00a0',
  '#39': "'",
  '#34': '"',
};

/** Decodes HTML character references (all named ones, via the HTML parser, only when needed). */
export function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  if (/&[a-z][a-z0-9]*;/i.test(s.replace(/&(quot|amp|lt|gt|apos|nbsp);/gi, ''))) {
    return load(s.replace(/</g, '&lt;'), null, false).text();
  }
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+\d*);/gi, (m, e: string) => {
    const k = e.toLowerCase();
    if (k in ENTITY) return ENTITY[k]!;
    if (k.startsWith('#x')) return safeCodePoint(parseInt(k.slice(2), 16)) ?? m;
    if (k.startsWith('#')) return safeCodePoint(parseInt(k.slice(1), 10)) ?? m;
    return m;
  });
}

function safeCodePoint(n: number): string | undefined {
  return Number.isInteger(n) && n > 0 && n <= 0x10ffff ? String.fromCodePoint(n) : undefined;
}

/**
 * One pass over the text outside/inside strings: drops comments, escapes raw control characters
 * inside strings, drops trailing commas, and splits the text into top-level values.
 */
function repairAndSplit(src: string): string[] {
  const chunks: string[] = [];
  let out = '';
  let depth = 0;
  let inStr = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (inStr) {
      if (c === '\\') {
        const n = src[i + 1];
        // keep valid escapes; a stray backslash becomes a literal one
        if (n !== undefined && '"\\/bfnrtu'.includes(n)) {
          out += c + n;
          i++;
        } else out += '\\\\';
      } else if (c === '"') {
        inStr = false;
        out += c;
      } else if (c === '\n') out += '\\n';
      else if (c === '\r') out += '\\r';
      else if (c === '\t') out += '\\t';
      else if (c < ' ') out += ' ';
      else out += c;
      continue;
    }
    if (c === '"') {
      inStr = true;
      out += c;
      continue;
    }
    if (c === '/' && src[i + 1] === '/') {
      const j = src.indexOf('\n', i);
      i = j < 0 ? src.length : j;
      continue;
    }
    if (c === '/' && src[i + 1] === '*') {
      const j = src.indexOf('*/', i + 2);
      i = j < 0 ? src.length : j + 1;
      continue;
    }
    if (c === '{' || c === '[') depth++;
    if (c === '}' || c === ']') {
      out = out.replace(/,\s*$/, '');
      depth--;
      out += c;
      if (depth <= 0) {
        chunks.push(out);
        out = '';
        depth = 0;
      }
      continue;
    }
    if (depth === 0) {
      // between top-level values: only whitespace, commas and stray junk
      continue;
    }
    out += c;
  }
  if (out.trim()) chunks.push(out);
  return chunks;
}

export function parseLenientJson(text: string): LenientParse {
  const warnings: string[] = [];
  let src = text.trim();
  if (!src) return { values: [], warnings };
  try {
    return { values: [JSON.parse(src)], warnings };
  } catch {
    // fall through to repair
  }
  src = src
    .replace(/^\s*(?:<!--|\/\/\s*<!\[CDATA\[|<!\[CDATA\[)/, '')
    .replace(/(?:-->|\/\/\s*\]\]>|\]\]>)\s*$/, '')
    .replace(/<!--|-->|<!\[CDATA\[|\]\]>/g, ' ');
  if (/&(quot|#34|#x22);/i.test(src)) src = decodeEntities(src);
  const values: unknown[] = [];
  let failed = 0;
  for (const chunk of repairAndSplit(src)) {
    try {
      values.push(JSON.parse(chunk));
    } catch {
      failed++;
    }
  }
  if (failed > 0) warnings.push(`json-ld: ${failed} unparseable block part(s) skipped`);
  else warnings.push('json-ld: repaired malformed JSON');
  return { values, warnings };
}
