/**
 * Decode an HTML body to text. The charset comes from, in order (as browsers do):
 * a byte-order mark, the Content-Type `charset=` parameter, a `<meta charset>` /
 * `<meta http-equiv="content-type">` / `<?xml encoding>` declaration near the top, else UTF-8.
 * Unknown labels are skipped; WHATWG label aliases apply (iso-8859-1 decodes as windows-1252).
 */

/** How far into the body to look for a declaration (WHATWG says 1024; real pages put it later). */
const PRESCAN_BYTES = 8192;

/** The canonical encoding name for a label, or undefined when TextDecoder does not know it. */
export function resolveCharset(label: string | undefined): string | undefined {
  if (!label) return undefined;
  try {
    return new TextDecoder(label.trim().replace(/^["']|["']$/g, '')).encoding;
  } catch {
    return undefined;
  }
}

export function charsetFromContentType(contentType: string | undefined): string | undefined {
  const m = /;\s*charset\s*=\s*("?)([^";,\s]+)\1/i.exec(contentType ?? '');
  return m?.[2];
}

function charsetFromBom(buf: Uint8Array): string | undefined {
  if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) return 'utf-8';
  if (buf[0] === 0xfe && buf[1] === 0xff) return 'utf-16be';
  if (buf[0] === 0xff && buf[1] === 0xfe) return 'utf-16le';
  return undefined;
}

/** The charset an HTML document declares about itself in its first bytes. */
export function charsetFromMarkup(buf: Uint8Array): string | undefined {
  const head = Buffer.from(buf.buffer, buf.byteOffset, Math.min(buf.length, PRESCAN_BYTES))
    .toString('latin1')
    .replace(/<!--[\s\S]*?-->/g, '');
  const xml = /^\s*<\?xml[^>]*\bencoding\s*=\s*["']([^"']+)["']/i.exec(head);
  if (xml) return xml[1];
  for (const m of head.matchAll(/<meta\b[^>]*>/gi)) {
    const tag = m[0];
    const direct = /\bcharset\s*=\s*["']?\s*([^"'\s/>;]+)/i.exec(tag);
    if (direct) return direct[1];
  }
  return undefined;
}

export interface DecodedText {
  text: string;
  charset: string;
}

export function decodeHtml(buf: Uint8Array, contentType?: string): DecodedText {
  let declared = resolveCharset(charsetFromMarkup(buf));
  // A declaration read from ASCII-compatible bytes cannot really mean UTF-16 (WHATWG rule).
  if (declared?.startsWith('utf-16')) declared = 'utf-8';
  const charset =
    resolveCharset(charsetFromBom(buf)) ?? resolveCharset(charsetFromContentType(contentType)) ?? declared ?? 'utf-8';
  const text = charset === 'windows-1252' ? decodeWindows1252(buf) : new TextDecoder(charset).decode(buf);
  return { text, charset };
}

/** windows-1252 bytes 0x80–0x9F (the rest is ISO-8859-1); 0 marks the five undefined bytes. */
const CP1252_HIGH = [
  0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017d, 0, 0,
  0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0, 0x017e, 0x0178,
];

/**
 * Node's TextDecoder('windows-1252') decodes as ISO-8859-1 (0x80 → U+0080 instead of €) in some
 * Node versions, so decode it by hand. This is also what `iso-8859-1` and `us-ascii` labels mean.
 */
export function decodeWindows1252(buf: Uint8Array): string {
  let out = '';
  const CHUNK = 8192;
  for (let i = 0; i < buf.length; i += CHUNK) {
    const codes = Array.from(buf.subarray(i, i + CHUNK), (b) =>
      b >= 0x80 && b <= 0x9f ? CP1252_HIGH[b - 0x80] || b : b,
    );
    out += String.fromCharCode(...codes);
  }
  return out;
}
