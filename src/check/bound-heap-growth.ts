/**
 * Bounds how far V8 lets the heap grow past the live data of a long sweep (issue 15, goal 6).
 *
 * A sweep's live heap is flat (its listings are paged from the database, its results streamed),
 * but each check parses a ~60 KB page into a DOM that lives for the length of its read: enough to
 * survive the young generation and die in the old one. V8 then sets the next full collection at up
 * to about 3–4× the data alive after the last one, so during a sweep of 10,000 listings its heap
 * grew to 140–165 MB for about 45 MB alive, and peak RSS grew with the sweep's length, not its data
 * (255 → 328 MB from 1,000 to 10,000 listings). With the growing factor at 1.5×
 * (`--heap-growing-percent=50`) the heap stayed under about 100 MB: 231 → 228 MB, and 243 → 253 MB
 * from 1,000 to 100,000 listings, at the same CPU per listing (3.88–3.97 against 3.89–3.94 ms at
 * 10,000); at 2× it was 235 → 299 MB (bench/growth.ts, 2 December 2026, load 2–3.7).
 *
 * Process-wide, so it is the command's to set (`mapwatch crawl`, `worker` and `serve` where they run
 * jobs, the benchmark's crawl child),
 * not the sweep's: a test or an embedding process keeps V8's defaults. A factor given on the
 * command line or in NODE_OPTIONS is left as it is.
 */
import v8 from 'node:v8';

/** The heap may grow to 1 + this / 100 times the data alive after a full collection. */
export const SWEEP_HEAP_GROWING_PERCENT = 50;

export function boundHeapGrowth(percent = SWEEP_HEAP_GROWING_PERCENT): void {
  const given = [...process.execArgv, ...(process.env.NODE_OPTIONS?.split(/\s+/) ?? [])];
  if (given.some((a) => a.startsWith('--heap-growing-percent') || a.startsWith('--heap_growing_percent'))) return;
  v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
}
