/** `npm run bench`: every benchmark in bench/, each printing its figures beside a baseline from the same run. */
import { runExtractBench } from './extract.js';
import { runBrowserBench } from './browser.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
console.log(runExtractBench(seconds));
console.log(await runBrowserBench(Math.min(seconds, 5)));
