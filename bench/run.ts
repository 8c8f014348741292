/** `npm run bench`: every benchmark in bench/, each printing its figures beside a baseline from the same run. */
import { runExtractBench } from './extract.js';
import { runBrowserBench } from './browser.js';
import { runQueueBench } from './queue.js';
import { runStaticBench } from './static.js';
import { runBrowserVsCrawleeBench } from './browser-vs-crawlee.js';
import { runDbBench } from './db.js';
import { runAppPagesBench } from './app-pages.js';
import { runKpiBench } from './kpis.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
console.log(runExtractBench(seconds));
console.log(await runBrowserBench(Math.min(seconds, 5)));
console.log(await runQueueBench());
// Issue 6: mapwatch against the raw limit and Crawlee, and the database path; issue 12: the review app's pages at
// 100,000 cases (BENCH_ONLY=static,browser-vs-crawlee,db,app-pages runs a subset).
const only = process.env.BENCH_ONLY?.split(',');
if (!only || only.includes('static')) console.log('\n' + (await runStaticBench()));
if (!only || only.includes('browser-vs-crawlee')) console.log('\n' + (await runBrowserVsCrawleeBench()));
if (!only || only.includes('db')) console.log('\n' + (await runDbBench()));
if (!only || only.includes('app-pages')) console.log('\n' + (await runAppPagesBench()));
if (!only || only.includes('kpis')) console.log('\n' + (await runKpiBench()));
