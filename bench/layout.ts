/**
 * The cost of a layout fallback read beside a static read, per page, over both corpus
 * manifests: extractOffers alone against layoutStaticHtml (Chromium, scripts and network off)
 * followed by extractOffers on the annotated HTML. Also counts, among the pages the static read
 * abstains on, how many the layout read settles and whether the amount is the expected one.
 *   node --import tsx bench/layout.ts
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { extractOffers } from '../src/extract/extract-offers.js';
import { BrowserPool } from '../src/fetch/browser/browser-pool.js';
import { layoutStaticHtml } from '../src/fetch/browser/layout-static-html.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const corpus = process.env.MAPWATCH_CORPUS ?? path.resolve(here, '../../shared/corpus');

interface Page {
  html: string;
  url: string;
  currency: string | null;
  accept: string[];
}

function loadPages(): Page[] {
  const out: Page[] = [];
  for (const manifest of ['pages.jsonl', 'pages-2.jsonl']) {
    for (const l of fs.readFileSync(path.join(corpus, manifest), 'utf8').trim().split('\n')) {
      const rec = JSON.parse(l) as {
        file: string;
        url_if_known?: string | null;
        expected_currency: string | null;
        acceptable_prices?: string[] | null;
      };
      const buf = fs.readFileSync(path.join(corpus, rec.file));
      out.push({
        html: (rec.file.endsWith('.gz') ? zlib.gunzipSync(buf) : buf).toString('utf8'),
        url: rec.url_if_known ?? 'https://example.com/',
        currency: rec.expected_currency,
        accept: (rec.acceptable_prices ?? []).map(Number).map(String),
      });
    }
  }
  return out;
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
};

export async function runLayoutBench(): Promise<string> {
  const pages = loadPages();
  const pool = new BrowserPool({ maxContexts: 1 });
  const stat: number[] = [];
  const laid: number[] = [];
  let abstained = 0;
  let settled = 0;
  let right = 0;
  try {
    await layoutStaticHtml(pool, '<p>warm-up</p>');
    for (const p of pages) {
      const opts = { url: p.url, ...(p.currency ? { site: { currency: p.currency } } : {}) };
      let t = performance.now();
      const s = extractOffers(p.html, opts);
      stat.push(performance.now() - t);
      t = performance.now();
      const l = extractOffers(await layoutStaticHtml(pool, p.html), opts);
      laid.push(performance.now() - t);
      if (s.primary && !s.ambiguous) continue;
      abstained++;
      if (l.primary && !l.ambiguous) {
        settled++;
        if (p.accept.includes(String(Number(l.primary.amount)))) right++;
      }
    }
  } finally {
    await pool.close();
  }
  const row = (name: string, xs: number[]) =>
    `${name.padEnd(22)} median ${pct(xs, 50).toFixed(1).padStart(7)} ms  p90 ${pct(xs, 90).toFixed(1).padStart(7)} ms  max ${Math.max(
      ...xs,
    )
      .toFixed(1)
      .padStart(7)} ms`;
  return [
    `layout fallback read over ${pages.length} corpus pages (site currency given), per page:`,
    row('static read', stat),
    row('layout read (+static)', laid),
    `static read abstained on ${abstained}; the layout read settled ${settled}, ${right} of them at an accepted price`,
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(await runLayoutBench());
