/**
 * Charset sniffing against encoding-sniffer (the WHATWG prescan cheerio uses) and the real-page
 * corpus. The library decides wherever the response declares an encoding; where nothing is
 * declared, valid UTF-8 bytes are UTF-8 (the library's windows-1252 default would garble
 * nearly every modern page) and anything else is windows-1252.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { ResultType, Sniffer } from 'encoding-sniffer/sniffer';
import { describe, expect, it } from 'vitest';
import { decodeHtml, sniffCharset } from '../src/fetch/charset.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const corpusDir = process.env['MAPWATCH_CORPUS']
  ? path.resolve(process.env['MAPWATCH_CORPUS'])
  : path.resolve(repoRoot, '../shared/corpus');

function corpusPages(): { file: string; bytes: Buffer }[] {
  const out: { file: string; bytes: Buffer }[] = [];
  for (const manifest of ['pages.jsonl', 'pages-2.jsonl']) {
    const lines = fs.readFileSync(path.join(corpusDir, manifest), 'utf8').split('\n').filter(Boolean);
    for (const line of lines) {
      const { file } = JSON.parse(line) as { file: string };
      const raw = fs.readFileSync(path.join(corpusDir, file));
      out.push({ file, bytes: file.endsWith('.gz') ? zlib.gunzipSync(raw) : raw });
    }
  }
  return out;
}

describe('charset sniffing', () => {
  it('ignores "charset=" inside an unrelated meta tag (no http-equiv pragma)', () => {
    const html = Buffer.from('<meta name="description" content="Cheap cables; charset=koi8-r"><p>Preis 12,99 €</p>');
    expect(decodeHtml(html).charset).toBe('utf-8');
    expect(decodeHtml(html).text).toContain('12,99 €');
  });

  it('decodes undeclared legacy bytes as windows-1252, not as broken UTF-8', () => {
    // "Preis: 12,99 €" in windows-1252 (0x80 is the euro sign); not valid UTF-8.
    const bytes = Buffer.concat([Buffer.from('<p>Preis: 12,99 '), Buffer.from([0x80]), Buffer.from('</p>')]);
    expect(decodeHtml(bytes)).toEqual({ text: '<p>Preis: 12,99 €</p>', charset: 'windows-1252', exactUtf8: false });
  });

  it('follows the WHATWG rules the library implements', () => {
    // x-user-defined in a meta means windows-1252.
    expect(decodeHtml(Buffer.from('<meta charset="x-user-defined"><p>x</p>')).charset).toBe('windows-1252');
    // The http-equiv pragma may come after content.
    const sjis = Buffer.concat([
      Buffer.from('<meta content="text/html; charset=Shift_JIS" http-equiv="Content-Type"><p>'),
      Buffer.from([0x82, 0xa0]),
    ]);
    expect(decodeHtml(sjis).text).toContain('あ');
    // A declaration after the prescan window is not seen; the bytes decide.
    const late = Buffer.from(`${' '.repeat(9000)}<meta charset="koi8-r"><p>é</p>`);
    expect(sniffCharset(late)).toEqual({ charset: 'utf-8', declared: false });
  });

  it('agrees with encoding-sniffer on every corpus page that declares its encoding', () => {
    const pages = corpusPages();
    expect(pages.length).toBeGreaterThanOrEqual(84);
    let declared = 0;
    for (const { file, bytes } of pages) {
      const lib = new Sniffer({ maxBytes: 8192 });
      lib.write(bytes);
      const ours = sniffCharset(bytes);
      if (lib.resultType !== ResultType.DEFAULT) {
        declared++;
        expect({ file, charset: ours.charset }).toEqual({ file, charset: new TextDecoder(lib.encoding).encoding });
      } else {
        // Nothing declared: these pages are UTF-8 (the saved pages were served as UTF-8).
        expect({ file, declared: ours.declared, charset: ours.charset }).toEqual({
          file,
          declared: false,
          charset: 'utf-8',
        });
      }
    }
    expect(declared).toBeGreaterThan(50);
  });
});
