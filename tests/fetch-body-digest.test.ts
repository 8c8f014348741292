/**
 * The page's content digest (sha256 of the body as UTF-8) is taken of the bytes as read when
 * they are exactly the UTF-8 encoding of the decoded text (decodeHtml's exactUtf8), sparing a
 * re-encode; the digest must be the one of the text, whatever the bytes and charset.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readListing } from '../src/check/read-listing.js';
import type { LoadedSite } from '../src/config/load-sites.js';
import { siteConfigSchema } from '../src/config/site-config.schema.js';
import { decodeHtml } from '../src/fetch/charset.js';
import { InProcessDomainGate } from '../src/fetch/domain-gate.js';
import { fetchPage } from '../src/fetch/fetch-page.js';
import { RobotsCache } from '../src/fetch/robots.js';
import { corpusDir, loadPages, MANIFESTS } from './support/corpus.js';

const sha = (b: string | Uint8Array) => createHash('sha256').update(b).digest('hex');
const utf8 = (s: string) => Buffer.from(s, 'utf8');
const doc = (body: string, head = '') => `<!doctype html><html><head>${head}</head><body>${body}</body></html>`;

/** [name, bytes, Content-Type, whether the bytes are the text's UTF-8 exactly] */
const CASES: [string, Buffer, string | undefined, boolean][] = [
  ['ASCII, nothing declared', utf8(doc('<p>Widget $19.99</p>')), undefined, true],
  ['UTF-8 in the header', utf8(doc('<p>Café – 19,99 € 😀</p>')), 'text/html; charset=utf-8', true],
  ['UTF-8 in <meta>', utf8(doc('<p>Zürich ¥1,980</p>', '<meta charset="utf-8">')), 'text/html', true],
  ['UTF-8, nothing declared', utf8(doc('<p>naïve ½ price</p>')), undefined, true],
  ['UTF-8 with a byte-order mark', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8(doc('é'))]), undefined, false],
  [
    'BOM with the header too',
    Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8('<p>x</p>')]),
    'text/html; charset=utf-8',
    false,
  ],
  [
    'invalid UTF-8 said to be UTF-8',
    Buffer.concat([utf8('<p>bad '), Buffer.from([0xc3, 0x28, 0xff]), utf8('</p>')]),
    'text/html; charset=utf-8',
    false,
  ],
  [
    'an encoded surrogate said to be UTF-8',
    Buffer.concat([utf8('<p>'), Buffer.from([0xed, 0xa0, 0x80]), utf8('</p>')]),
    'text/html; charset=utf-8',
    false,
  ],
  [
    'an overlong slash said to be UTF-8',
    Buffer.concat([utf8('<p>'), Buffer.from([0xc0, 0xaf]), utf8('</p>')]),
    'text/html; charset=utf-8',
    false,
  ],
  [
    'a sequence cut at the end',
    Buffer.concat([utf8('<p>x'), Buffer.from([0xe2, 0x82])]),
    'text/html; charset=utf-8',
    false,
  ],
  [
    'windows-1252 with high bytes',
    Buffer.from('<p>caf\xe9 \x80 19</p>', 'latin1'),
    'text/html; charset=windows-1252',
    false,
  ],
  ['windows-1252 label, ASCII only', utf8(doc('<p>plain</p>')), 'text/html; charset=windows-1252', true],
  [
    'iso-8859-1 bytes that look like UTF-8',
    Buffer.from('<p>\xc3\xa9</p>', 'latin1'),
    'text/html; charset=iso-8859-1',
    false,
  ],
  ['latin-1, nothing declared', Buffer.from(doc('caf\xe9'), 'latin1'), undefined, false],
  [
    'UTF-16LE with a byte-order mark',
    Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(doc('é'), 'utf16le')]),
    undefined,
    false,
  ],
  [
    'Shift_JIS in the header',
    Buffer.from([0x3c, 0x70, 0x3e, 0x82, 0xa0, 0x5c, 0x3c, 0x2f, 0x70, 0x3e]),
    'text/html; charset=shift_jis',
    false,
  ],
  ['a NUL byte', utf8('<p>a\u0000b</p>'), 'text/html; charset=utf-8', true],
];

describe('the body digest', () => {
  it.each(CASES)('%s: the digest of the bytes is the digest of the text when exact', (_n, buf, type, exact) => {
    const { text, exactUtf8 } = decodeHtml(buf, type);
    expect(exactUtf8).toBe(exact);
    if (exactUtf8) expect(sha(buf)).toBe(sha(utf8(text)));
    else expect(Buffer.compare(buf, utf8(text))).not.toBe(0);
  });

  it('agrees with the digest of the text on 5,000 random byte strings', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed / 0x7fffffff);
    const ALPHABET = [
      0x3c, 0x70, 0x3e, 0x61, 0x20, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xef, 0xbb, 0xbf, 0xf0, 0x9f, 0x80, 0xff,
    ];
    const types = [undefined, 'text/html; charset=utf-8', 'text/html; charset=windows-1252', 'text/html'];
    let exactSeen = 0;
    for (let n = 0; n < 5000; n++) {
      const bytes = Buffer.from(
        Array.from({ length: Math.floor(rand() * 24) }, () => ALPHABET[Math.floor(rand() * ALPHABET.length)]!),
      );
      const { text, exactUtf8 } = decodeHtml(bytes, types[n % types.length]);
      if (exactUtf8) {
        exactSeen++;
        expect(sha(bytes), bytes.toString('hex')).toBe(sha(utf8(text)));
      }
    }
    expect(exactSeen).toBeGreaterThan(200);
  });

  it('agrees with the digest of the text on every corpus page', () => {
    let exact = 0;
    let pages = 0;
    for (const manifest of MANIFESTS) {
      for (const { file } of loadPages(manifest)) {
        const raw = fs.readFileSync(`${corpusDir}/${file}`);
        const bytes = file.endsWith('.gz') ? zlib.gunzipSync(raw) : raw;
        const { text, exactUtf8 } = decodeHtml(bytes, 'text/html');
        if (exactUtf8) exact++;
        expect(sha(exactUtf8 ? bytes : text), file).toBe(sha(utf8(text)));
        pages++;
      }
    }
    expect(exact).toBeGreaterThan(pages / 2); // most real pages take the bytes path
  });

  describe('through fetchPage and readListing', () => {
    let server: http.Server;
    let base = '';
    const bodies = new Map(CASES.map(([name, buf, type], i) => [`/p${i}`, { name, buf, type }]));
    beforeAll(async () => {
      server = http.createServer((req, res) => {
        const c = bodies.get(req.url ?? '');
        if (!c) return res.writeHead(404).end();
        res.writeHead(200, { 'content-type': c.type ?? 'text/html' }).end(c.buf);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    it('records the digest of the text as UTF-8, from the bytes or the text', async () => {
      const fetchOptions = {
        allowPrivate: ['127.0.0.1'],
        gate: new InProcessDomainGate({ defaults: { concurrency: 8, delayMs: 0 } }),
        robots: new RobotsCache(),
        respectRobots: false,
        timeoutMs: 5000,
      };
      const config = siteConfigSchema.parse({ reseller: 'A', domain: '127.0.0.1', currency: 'USD', listings: [] });
      const site: LoadedSite = {
        name: 's',
        file: 's.yaml',
        config: { ...config, respect_robots: false },
        listings: [],
        hash: 'h',
      };
      for (const [path, { name }] of bodies) {
        const r = await fetchPage(base + path, fetchOptions);
        expect(r.status, name).toBe('ok');
        expect(r.bodySha256, name).toBe(sha(utf8(r.body!)));
        const draft = await readListing(site, { url: base + path }, { gtin: null }, fetchOptions);
        expect(draft.contentSha256, name).toBe(sha(utf8(draft.html!)));
      }
    });
  });
});
