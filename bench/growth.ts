/**
 * Growth (issue 15, item 6): how the time of one sweep grows with the number of listings, whether
 * memory stays flat, and how the observations table grows per million reads. Each size is one
 * `mapwatch crawl` sweep (bench/static.ts, variant mapwatch-crawl: crawlNow on Postgres, fast local
 * pages on 100 domains, concurrency 16) in a child process of its own, in a fresh schema.
 *
 * Memory: as `mapwatch crawl` runs it, each site config is read and synced in turn and kept without
 * its listings (src/config/sync-site-files.ts), the sweep reads the listings back from the database
 * a page at a time in round-robin order (src/check/page-listings.ts), streams its results into
 * counters (keepResults: false), and the process bounds V8's heap growth at 1.5× its live data
 * (src/check/bound-heap-growth.ts). The child derives each listing's expected price from its URL
 * (no list of every listing). "RSS KB per extra listing" is what still grows; flat memory is about 0.
 * BENCH_HEAP_TRACE=<file> samples the child's heap each second; BENCH_HEAP_DEFAULT=1 keeps V8's defaults.
 *
 * The evidence store: reads that change no case keep no evidence, and the sweeps above are all
 * compliant, so its growth is measured apart (evidenceGrowth below): a share of the listings
 * (BENCH_GROWTH_BELOW_MAP, default 5 %) is priced below MAP, with a local evidence store. A first
 * sweep opens their cases (a violation is re-read at once and the case keeps the re-read's page:
 * its HTML and a WARC of the exchange, plus the hash-chained `evidence` row); a second sweep reads
 * every listing again as a recurring crawl does, and each read of a listing with an open case keeps
 * its evidence again. Bytes are the store's files on disk plus the `evidence` table (with indexes
 * and TOAST); per 1M reads is the second sweep's growth per read (re-checks count as reads, as
 * they are observation rows), at that share.
 *
 *   node --import tsx bench/growth.ts                  (1,000 and 3,000 listings: about a minute)
 *   BENCH_GROWTH_SIZES=1000,10000,100000               (10,000 takes about a minute, 100,000 about 6)
 *   BENCH_GROWTH_EVIDENCE_SIZES=1000,10000             (default: the sizes up to 10,000; 0: none)
 *   BENCH_GROWTH_BELOW_MAP=0.05
 */
import path from 'node:path';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { runStaticBench } from './static.js';
import { recordGoal } from './support/goals.js';
import { envNumber, formatTable } from './support/measure.js';
import type { EvidenceSnapshot } from './support/evidence-size.js';

const DOMAINS = 100;

export async function runGrowthBench(): Promise<string> {
  const sizes = (process.env.BENCH_GROWTH_SIZES ?? '1000,3000').split(',').map(Number);
  const load0 = os.loadavg()[0]!.toFixed(2);
  const rows: (string | number)[][] = [];
  let first: { checks: number; msPerListing: number; peakRssMb: number } | undefined;
  let last: typeof first;
  for (const size of sizes) {
    const perDomain = Math.max(1, Math.round(size / DOMAINS));
    const { reports } = await runStaticBench({ domains: DOMAINS, perDomain, variants: ['mapwatch-crawl'] });
    const r = reports[0]!;
    const msPerListing = (r.seconds / r.checks) * 1000;
    first ??= { checks: r.checks, msPerListing, peakRssMb: r.peakRssMb };
    last = { checks: r.checks, msPerListing, peakRssMb: r.peakRssMb };
    const rssPerListing =
      r.checks > first.checks
        ? `${(((r.peakRssMb - first.peakRssMb) * 1024) / (r.checks - first.checks)).toFixed(2)}`
        : '-';
    const bytesPerRead = (r.observationTableBytes ?? NaN) / (r.observationRows ?? NaN);
    rows.push([
      r.checks,
      r.seconds.toFixed(1),
      msPerListing.toFixed(2),
      `${(msPerListing / first.msPerListing).toFixed(2)}x`,
      (((r.cpuSeconds + (r.serviceCpuSeconds ?? 0)) / r.checks) * 1000).toFixed(2),
      r.peakRssMb.toFixed(0),
      rssPerListing,
      bytesPerRead.toFixed(0),
      ((bytesPerRead * 1e6) / 2 ** 30).toFixed(2),
      `${r.correct}/${r.checks}`,
    ]);
  }
  // The goals' table (bench/support/goals.ts): near-linear time and flat memory, smallest to largest sweep.
  if (first && last && last.checks > first.checks) {
    const span = `${first.checks} -> ${last.checks} listings`;
    const time = last.msPerListing / first.msPerListing;
    const rss = last.peakRssMb / first.peakRssMb;
    recordGoal({
      id: 'growth-time',
      measured: `${time.toFixed(2)}x (${first.msPerListing.toFixed(2)} -> ${last.msPerListing.toFixed(2)} ms/listing, ${span})`,
      peer: `the ${first.checks}-listing sweep of the same run`,
      met: time <= 1.25,
    });
    recordGoal({
      id: 'growth-memory',
      measured: `${rss.toFixed(2)}x (${first.peakRssMb.toFixed(0)} -> ${last.peakRssMb.toFixed(0)} MB, ${span})`,
      peer: `the ${first.checks}-listing sweep of the same run`,
      met: rss <= 1.25,
    });
  }
  const sweepTable = formatTable(
    `Growth of one sweep (mapwatch crawl on Postgres, ${DOMAINS} local domains, concurrency 16)`,
    [
      'listings',
      'sweep s',
      'ms/listing',
      'vs first',
      'CPU ms/listing (incl. Postgres)',
      'peak RSS MB',
      'RSS KB per extra listing',
      'observation bytes/read',
      'GiB per 1M reads',
      'price right',
    ],
    rows,
    [
      `load average (1 min) before: ${load0}; after: ${os.loadavg()[0]!.toFixed(2)}`,
      'RSS KB per extra listing: (peak RSS − the first size’s) ÷ (listings − the first size’s); flat memory is about 0',
      'bytes/read: pg_total_relation_size(observations) (table, indexes, TOAST) ÷ its rows; per 1M reads: that × 1,000,000',
    ],
  );
  const evidenceSizes = (process.env.BENCH_GROWTH_EVIDENCE_SIZES ?? sizes.filter((n) => n <= 10_000).join(','))
    .split(',')
    .map(Number)
    .filter((n) => n > 0);
  if (!evidenceSizes.length) return sweepTable;
  return [sweepTable, await evidenceGrowth(evidenceSizes, envNumber('BENCH_GROWTH_BELOW_MAP', 0.05))].join('\n');
}

const GiB = 2 ** 30;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

/** The evidence store's growth: cases opened by a share of listings below MAP, then a recurring sweep. */
async function evidenceGrowth(sizes: readonly number[], share: number): Promise<string> {
  const load0 = os.loadavg()[0]!.toFixed(2);
  const rows: (string | number)[][] = [];
  let last: { perMillion: number; perCase: number; observationsPerMillion: number } | undefined;
  for (const size of sizes) {
    const perDomain = Math.max(1, Math.round(size / DOMAINS));
    const { reports } = await runStaticBench({
      domains: DOMAINS,
      perDomain,
      variants: ['mapwatch-crawl'],
      belowMapShare: share,
      evidence: true,
    });
    const r = reports[0]!;
    const [first, second] = r.evidence ?? [];
    if (!first || !second) throw new Error('bench/growth.ts: the evidence sweep reported no evidence snapshots');
    // The fixture puts `share` of the listings below MAP: no case opened means the fixture or the
    // crawl is broken, and bytes per case would be a division by zero printed as a figure.
    if (first.casesOpened === 0)
      throw new Error(
        `bench/growth.ts: the evidence sweep of ${size} listings opened no case (${share * 100} % are below MAP)`,
      );
    const bytes = (s: EvidenceSnapshot) => s.storeDiskBytes + s.evidenceTableBytes;
    const perCase = bytes(first) / first.casesOpened;
    const reads2 = second.reads - first.reads;
    const perRead = (bytes(second) - bytes(first)) / reads2;
    const observationsPerRead = (r.observationTableBytes ?? NaN) / (r.observationRows ?? NaN);
    last = { perMillion: perRead * 1e6, perCase, observationsPerMillion: observationsPerRead * 1e6 };
    rows.push([
      size,
      `${first.casesOpened} (${((first.casesOpened / size) * 100).toFixed(1)} %)`,
      first.evidenceRows,
      kb(perCase),
      `${kb(first.storeDiskBytes / first.casesOpened)} + ${kb(first.evidenceTableBytes / first.casesOpened)}`,
      reads2,
      second.evidenceRows - first.evidenceRows,
      kb(perRead),
      ((perRead * 1e6) / GiB).toFixed(2),
      ((observationsPerRead * 1e6) / GiB).toFixed(2),
      `${r.correct}/${r.checks}`,
    ]);
  }
  if (last)
    recordGoal({
      id: 'growth-storage',
      measured: `evidence ${(last.perMillion / GiB).toFixed(2)} GiB per 1M reads at ${(share * 100).toFixed(0)} % below MAP (${kb(last.perCase)} per case opened)`,
      peer: `observations table ${(last.observationsPerMillion / GiB).toFixed(2)} GiB per 1M reads, same run`,
      met: null,
    });
  return formatTable(
    `Growth of the evidence store (mapwatch crawl on Postgres with a local evidence store, ${DOMAINS} local domains, ${(share * 100).toFixed(1)} % of listings below MAP, two sweeps)`,
    [
      'listings',
      'cases opened',
      'evidence rows',
      'evidence per case opened',
      '(store + rows)',
      'reads, 2nd sweep',
      'evidence rows added',
      'evidence per read',
      'evidence GiB per 1M reads',
      'observations GiB per 1M reads',
      'price and verdict right',
    ],
    rows,
    [
      `load average (1 min) before: ${load0}; after: ${os.loadavg()[0]!.toFixed(2)}`,
      'evidence: the store’s files as allocated on disk (HTML and WARC of each kept read, content-addressed; the below-MAP pages carry a per-request token, so no read shares its HTML with another) + pg_total_relation_size(evidence)',
      'per case opened: after the first sweep (it opens the cases), ÷ cases; per read: the second sweep’s growth ÷ its reads (every listing once, re-checks included), at this share below MAP',
      'observations per 1M reads: the same run’s observations table (both sweeps), for comparison with the compliant sweeps above',
    ],
  );
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  console.log(await runGrowthBench());
}
