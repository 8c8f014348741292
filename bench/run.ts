/**
 * `npm run bench`: every benchmark in bench/, each printing its figures beside a baseline from the same run.
 * `npm run bench -- --quick`: the static comparison only, on fewer pages (under a minute); its last line is
 * `static end-to-end vs crawlee: N.NN×`, the figure the issue-15 goal is stated in.
 */
import os from 'node:os';
import { runExtractBench } from './extract.js';
import { runBrowserBench } from './browser.js';
import { runQueueBench } from './queue.js';
import { runStaticBench, speedRatio } from './static.js';
import { runBrowserVsCrawleeBench } from './browser-vs-crawlee.js';
import { runDbBench } from './db.js';
import { runAppPagesBench } from './app-pages.js';
import { runKpiBench } from './kpis.js';
import { runCliBench } from './cli.js';
import { runGrowthBench } from './growth.js';
import { formatGoals } from './support/goals.js';

const quick = process.argv.includes('--quick');
const endToEnd = (ratio: number) => `static end-to-end vs crawlee: ${ratio.toFixed(2)}×`;

if (quick) {
  const { text, reports } = await runStaticBench({
    domains: 20,
    perDomain: 10,
    variants: ['raw', 'crawlee', 'mapwatch-crawl'],
  });
  console.log(text);
  console.log('\n' + formatGoals('Goals (issue 15; quick mode: the static rows only, on 200 listings)'));
  console.log(endToEnd(speedRatio(reports, 'mapwatch-crawl', 'crawlee')));
} else {
  const seconds = Number(process.env.BENCH_SECONDS ?? 5);
  // Issue 6: mapwatch against the raw limit and Crawlee, and the database path; issue 12: the review app's pages at
  // 100,000 cases (BENCH_ONLY=static,browser-vs-crawlee,db,app-pages runs a subset).
  const only = process.env.BENCH_ONLY?.split(',');
  const wants = (name: string) => !only || only.includes(name);
  if (wants('extract')) console.log(runExtractBench(seconds));
  if (wants('browser')) console.log(await runBrowserBench(Math.min(seconds, 5)));
  if (wants('queue')) console.log(await runQueueBench());
  const staticRun = wants('static') ? await runStaticBench() : undefined;
  if (staticRun) console.log('\n' + staticRun.text);
  if (wants('browser-vs-crawlee')) console.log('\n' + (await runBrowserVsCrawleeBench()));
  if (wants('db')) console.log('\n' + (await runDbBench()));
  if (wants('app-pages')) console.log('\n' + (await runAppPagesBench()));
  if (wants('kpis')) console.log('\n' + (await runKpiBench()));
  // Issue 15 item 4: CLI start-up, the built CLI (needs `npm run build`).
  if (wants('cli')) console.log('\n' + (await runCliBench()));
  // Issue 15 item 6: one sweep's time, peak RSS and observation bytes as the listings grow.
  if (wants('growth')) console.log('\n' + (await runGrowthBench()));
  // Issue 15: every goal beside its peer, from the sections above (bench/support/goals.ts).
  console.log(
    '\n' +
      formatGoals(
        `Goals (issue 15), ${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? '?'}, Node ${process.version}, load ${os
          .loadavg()
          .map((l) => l.toFixed(1))
          .join(' ')}`,
      ),
  );
  if (staticRun) console.log('\n' + endToEnd(speedRatio(staticRun.reports, 'mapwatch-crawl', 'crawlee')));
}
