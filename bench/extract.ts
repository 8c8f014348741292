/**
 * Extraction throughput over the real corpus: mapwatch's extractOffers against the raw
 * limit (one cheerio.load of the same page, no extraction), each variant in its own
 * child process so peak RSS is its own. A third variant does all of a static check's work on
 * the page once its bytes are decoded (issue 15: real pages, 461 KB on average, are not the
 * benchmark's 30 KB fixture pages, and some costs only show on them): the visible text, the
 * bot-wall and evasion checks, one parse, extractOffers on it and the compatibility wording.
 *   npm run bench            (all benchmarks)
 *   node --import tsx bench/extract.ts [--seconds 5]
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const corpus = process.env.MAPWATCH_CORPUS ?? path.resolve(here, '../../shared/corpus');

/** The lines of both manifests: one page each. */
function manifestLines(): string[] {
  return ['pages.jsonl', 'pages-2.jsonl']
    .filter((m) => fs.existsSync(path.join(corpus, m)))
    .flatMap((m) => fs.readFileSync(path.join(corpus, m), 'utf8').trim().split('\n'));
}

function loadPages(): { html: string; url: string }[] {
  // A file is inflated when its bytes are gzip's, whatever its name says.
  return manifestLines().map((l) => {
    const rec = JSON.parse(l) as { file: string; url_if_known?: string };
    const buf = fs.readFileSync(path.join(corpus, rec.file));
    return {
      html: (buf[0] === 0x1f && buf[1] === 0x8b ? zlib.gunzipSync(buf) : buf).toString('utf8'),
      url: rec.url_if_known ?? 'https://example.com/',
    };
  });
}

async function runVariant(variant: string, seconds: number): Promise<void> {
  const pages = loadPages();
  const { load } = await import('cheerio');
  const { extractOffers } = await import('../src/extract/extract-offers.js');
  const fn =
    variant === 'raw-cheerio'
      ? (p: { html: string }) => load(p.html)('title').text()
      : variant === 'mapwatch-check-page'
        ? await checkPageWork()
        : (p: { html: string; url: string }) => extractOffers(p.html, { url: p.url });
  for (const p of pages.slice(0, 10)) fn(p); // warm-up
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < seconds * 1000) fn(pages[n++ % pages.length]!);
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSec = (cpu.user + cpu.system) / 1e6;
  process.stdout.write(
    JSON.stringify({
      variant,
      pages: n,
      perSec: n / wall,
      cpuPer1000: (cpuSec / n) * 1000,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
    }) + '\n',
  );
}

/**
 * A static check's work on one page after the fetch has decoded it, in the order the check does
 * it: fetchPage's visible text, bot-wall check and evasion phrases (read-for-check.ts), the read's
 * one parse and extraction (read-listing.ts), then the grey-market step's compatibility wording
 * from the same document (find-grey-market.ts).
 */
async function checkPageWork(): Promise<(p: { html: string; url: string }) => unknown> {
  const { extractOffers } = await import('../src/extract/extract-offers.js');
  const { parseHtml } = await import('../src/extract/parse-html.js');
  const { visibleText } = await import('../src/fetch/page-text.js');
  const { detectBotWall } = await import('../src/fetch/bot-wall.js');
  const { findEvasionPhrases } = await import('../src/fetch/browser/evasion.js');
  const { compatibilitySentences } = await import('../src/extract/compatibility-wording.js');
  return (p) => {
    const text = visibleText(p.html);
    if (detectBotWall(p.html, {}, { text })) return null;
    findEvasionPhrases(text);
    const $ = parseHtml(p.html);
    const r = extractOffers($, { url: p.url });
    return [r, compatibilitySentences(p.html, $)];
  };
}

export function runExtractBench(seconds: number): string {
  const rows = ['raw-cheerio', 'mapwatch-extractOffers', 'mapwatch-check-page'].map((variant) => {
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(import.meta.url), '--variant', variant, '--seconds', String(seconds)],
      {
        encoding: 'utf8',
        env: { ...process.env, MAPWATCH_CORPUS: corpus },
      },
    );
    if (r.status !== 0) throw new Error(`${variant} failed: ${r.stderr}`);
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as {
      variant: string;
      pages: number;
      perSec: number;
      cpuPer1000: number;
      peakRssMb: number;
    };
  });
  const base = rows[0]!;
  const lines = [
    `Extraction over ${corpus} (${manifestLines().length} pages; ${seconds}s per variant, one core)`,
    'variant                  pages/s   CPU s/1000 pages   peak RSS MB   vs raw',
    ...rows.map(
      (r) =>
        `${r.variant.padEnd(24)} ${r.perSec.toFixed(1).padStart(7)}   ${r.cpuPer1000.toFixed(2).padStart(16)}   ${r.peakRssMb.toFixed(0).padStart(11)}   ${(r.perSec / base.perSec).toFixed(2)}x`,
    ),
  ];
  return lines.join('\n');
}

const args = process.argv.slice(2);
const seconds = Number(args[args.indexOf('--seconds') + 1] || 5);
if (args.includes('--variant')) await runVariant(args[args.indexOf('--variant') + 1]!, seconds);
else if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1]))
  console.log(runExtractBench(seconds));
