/**
 * Scores extractOffers on the shared corpus of real product pages (../shared/corpus, or
 * $MAPWATCH_CORPUS). Pages are read in place and never copied into the repo. Used by the corpus
 * test (floors) and by `npm run score` (figures and failures).
 *
 * Two modes:
 * - `none`: no site config at all; the page alone must settle the currency, or the read abstains.
 * - `currency`: what a site config would say: one currency per site, derived once from the
 *   manifest (the currency most of that site's pages carry). Nothing else about the page is given.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { extractOffers } from '../../src/extract/extract-offers.js';
import type { ExtractResult } from '../../src/types.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const corpusDir = process.env['MAPWATCH_CORPUS']
  ? path.resolve(process.env['MAPWATCH_CORPUS'])
  : path.resolve(repoRoot, '../shared/corpus');

export const MANIFESTS = ['pages.jsonl', 'pages-2.jsonl'] as const;
export type Manifest = (typeof MANIFESTS)[number];
export type Mode = 'none' | 'currency';

export interface Page {
  file: string;
  site: string;
  url_if_known: string | null;
  expected_price: string | null;
  expected_currency: string | null;
  acceptable_prices: string[];
  ambiguous: boolean;
}

export type Outcome = 'TP' | 'FP' | 'FN' | 'TN';

export interface Score {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
  precision: number;
  recall: number;
  f1: number;
  /** Answers that are a price, but not the right one (FP with a primary). */
  wrong: number;
  /** Non-ambiguous pages with a price where the extractor gave none. */
  abstained: number;
  /** Ambiguous pages: how many, how many said ambiguous, how many got a price outside acceptable_prices. */
  ambiguousPages: number;
  saidAmbiguous: number;
  ambiguousWrong: number;
  failures: string[][];
  msPerPage: number;
}

export function loadPages(manifest: Manifest): Page[] {
  const list = path.join(corpusDir, manifest);
  if (!fs.existsSync(list)) {
    throw new Error(`corpus not found: ${list} is missing. Put the corpus at ../shared/corpus or set MAPWATCH_CORPUS.`);
  }
  return fs
    .readFileSync(list, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Page);
}

export function readHtml(file: string): string {
  const buf = fs.readFileSync(path.join(corpusDir, file));
  return (file.endsWith('.gz') ? zlib.gunzipSync(buf) : buf).toString('utf8');
}

/**
 * One currency per site, as its site config would state it: the currency most of the site's pages
 * carry in the manifest (ties: the alphabetically first, so the choice is stable). A page in
 * another currency (an eBay listing priced abroad) must state its own currency to beat it.
 */
export function siteCurrencies(pages: Page[]): Map<string, string> {
  const counts = new Map<string, Map<string, number>>();
  for (const p of pages) {
    if (!p.expected_currency) continue;
    const m = counts.get(p.site) ?? new Map<string, number>();
    m.set(p.expected_currency, (m.get(p.expected_currency) ?? 0) + 1);
    counts.set(p.site, m);
  }
  const out = new Map<string, string>();
  for (const [site, m] of counts) {
    const best = [...m].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]!;
    out.set(site, best[0]);
  }
  return out;
}

export function judge(p: Page, r: ExtractResult): Outcome {
  const got = r.primary;
  if (!p.expected_currency || p.expected_price === null) return got ? 'FP' : 'TN';
  if (!got) return 'FN';
  const ok = got.currency === p.expected_currency && p.acceptable_prices.some((a) => Number(a) === Number(got.amount));
  return ok ? 'TP' : 'FP';
}

const short = (f: string) =>
  path
    .basename(f)
    .replace(/\.html(\.gz)?$/, '')
    .slice(0, 28);

export function scoreCorpus(manifest: Manifest, mode: Mode): Score {
  const pages = loadPages(manifest);
  const currencies = siteCurrencies(pages);
  const outcomes: Outcome[] = [];
  const failures: string[][] = [];
  let ambiguousPages = 0;
  let saidAmbiguous = 0;
  let ambiguousWrong = 0;
  let wrong = 0;
  const started = performance.now();
  for (const p of pages) {
    const html = readHtml(p.file);
    const url = p.url_if_known ?? `https://${p.site}/`;
    const currency = mode === 'currency' ? currencies.get(p.site) : undefined;
    const r = extractOffers(html, { url, ...(currency ? { site: { currency, selectors: undefined } } : {}) });
    const got = r.primary ? `${r.primary.amount} ${r.primary.currency}` : r.ambiguous ? '(ambiguous)' : '(none)';
    const want = p.expected_currency ? `${p.acceptable_prices.join('|')} ${p.expected_currency}` : '(none)';
    if (p.ambiguous) {
      ambiguousPages++;
      if (r.ambiguous) saidAmbiguous++;
      else if (r.primary && judge(p, r) !== 'TP') {
        ambiguousWrong++;
        failures.push(['AMB-WRONG', short(p.file), p.site, want, got, r.primary.source, r.warnings.join(' ; ')]);
      }
      continue;
    }
    const o = judge(p, r);
    outcomes.push(o);
    if (o === 'FP' && r.primary) wrong++;
    if (o === 'FP' || o === 'FN') {
      failures.push([o, short(p.file), p.site, want, got, r.primary?.source ?? '-', r.warnings.join(' ; ')]);
    }
  }
  const n = (x: Outcome) => outcomes.filter((o) => o === x).length;
  const [tp, fp, fn, tn] = [n('TP'), n('FP'), n('FN'), n('TN')];
  const precision = tp + fp === 0 ? 1 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return {
    tp,
    fp,
    fn,
    tn,
    precision,
    recall,
    f1,
    wrong,
    abstained: fn,
    ambiguousPages,
    saidAmbiguous,
    ambiguousWrong,
    failures,
    msPerPage: (performance.now() - started) / pages.length,
  };
}

export function formatScore(manifest: Manifest, mode: Mode, s: Score): string {
  const f = (x: number) => x.toFixed(3);
  return (
    `${manifest.padEnd(14)} ${(mode === 'none' ? 'no config' : 'currency').padEnd(9)} ` +
    `P=${f(s.precision)} R=${f(s.recall)} F1=${f(s.f1)}  TP=${s.tp} FP=${s.fp} FN=${s.fn} TN=${s.tn}  ` +
    `wrong=${s.wrong} abstained=${s.abstained}  ambiguous: ${s.saidAmbiguous}/${s.ambiguousPages} said so, ${s.ambiguousWrong} wrong`
  );
}
