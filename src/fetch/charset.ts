/**
 * Decode an HTML body to text. The encoding sniffing is the WHATWG algorithm as implemented
 * by `encoding-sniffer` (the one cheerio uses): a byte-order mark, then the Content-Type
 * `charset=` parameter, then the `<meta charset>` / `<meta http-equiv>` / `<?xml encoding>`
 * prescan (attribute parsing, comments, the UTF-16 and x-user-defined rules).
 *
 * Where the page declares nothing, the library falls back to windows-1252, the legacy
 * default of the HTML spec. Nearly every page on today's web is UTF-8 without saying so,
 * and browsers detect that; so when nothing is declared we decode as UTF-8 if the bytes
 * are valid UTF-8, else as windows-1252.
 */
import { isAscii, isUtf8 } from 'node:buffer';
import { ResultType, Sniffer } from 'encoding-sniffer/sniffer';

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

/** The encoding the sniffer settles on, and whether anything in the response declared it. */
export function sniffCharset(buf: Uint8Array, contentType?: string): { charset: string; declared: boolean } {
  const sniffer = new Sniffer({
    maxBytes: PRESCAN_BYTES,
    transportLayerEncodingLabel: charsetFromContentType(contentType),
  });
  sniffer.write(buf);
  const declared = sniffer.resultType !== ResultType.DEFAULT;
  // isUtf8 validates as a fatal TextDecoder would, without building the text.
  if (!declared) return { charset: isUtf8(buf) ? 'utf-8' : 'windows-1252', declared };
  return { charset: resolveCharset(sniffer.encoding) ?? 'windows-1252', declared };
}

export interface DecodedText {
  text: string;
  charset: string;
  /**
   * The bytes are exactly the UTF-8 encoding of `text`, so a digest of the text (as UTF-8) can be
   * taken of the bytes as read, without encoding the text again: valid UTF-8 decoded as UTF-8 with
   * no byte-order mark (the decoder drops it), or plain ASCII decoded as windows-1252.
   */
  exactUtf8: boolean;
}

const startsWithUtf8Bom = (b: Uint8Array) => b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf;

export function decodeHtml(buf: Uint8Array, contentType?: string): DecodedText {
  const { charset } = sniffCharset(buf, contentType);
  const text = charset === 'windows-1252' ? decodeWindows1252(buf) : new TextDecoder(charset).decode(buf);
  const exactUtf8 =
    charset === 'utf-8' ? !startsWithUtf8Bom(buf) && isUtf8(buf) : charset === 'windows-1252' && isAscii(buf);
  return { text, charset, exactUtf8 };
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
