/**
 * The goals of issue 15, as one table at the end of `npm run bench`. Each section records the
 * figures it already computed (recordGoal, or the record… helpers below, one call near the end of
 * its run function), so the sections stay independent: a section that did not run leaves its goals
 * "not run". Every row carries its peer from the same run; `met` is judged here, from the figures.
 */
import type { VariantReport } from './measure.js';

/** The goals, in the order of the issue. */
const GOALS = [
  { id: 'static-vs-crawlee', goal: 'static end to end (to Postgres) vs Crawlee CheerioCrawler', target: '>= 2x' },
  { id: 'static-vs-raw', goal: 'static end to end vs raw fetch + cheerio.load', target: '>= 1x' },
  { id: 'browser-speed', goal: 'browser path pages/s vs PlaywrightCrawler', target: '>= 2x' },
  { id: 'browser-memory', goal: 'browser path peak memory vs PlaywrightCrawler', target: '<= 0.5x' },
  { id: 'db-static', goal: 'database, static path: writes per check (observations batched)', target: 'reported' },
  { id: 'db-ingest', goal: 'database: ingest per write path (rows/s)', target: 'reported' },
  { id: 'cli-price', goal: 'CLI: mapwatch price (wall p50)', target: '< 150 ms' },
  { id: 'cli-cases', goal: 'CLI: mapwatch cases, embedded database (wall p50)', target: '< 1 s' },
  { id: 'capacity-static', goal: 'capacity, static: checks/day on 2 cores (CPU)', target: '>= 10 M' },
  { id: 'capacity-browser', goal: 'capacity, browser: pages/day on 2 cores (CPU)', target: 'reported' },
  { id: 'growth-time', goal: 'growth: time per listing, smallest -> largest sweep', target: '<= 1.25x' },
  { id: 'growth-memory', goal: 'growth: peak RSS, smallest -> largest sweep', target: '<= 1.25x' },
  { id: 'growth-storage', goal: 'growth: evidence store per 1M reads', target: 'reported' },
] as const;

export type GoalId = (typeof GOALS)[number]['id'];

export interface GoalFigure {
  id: GoalId;
  /** What mapwatch did, with its unit. */
  measured: string;
  /** The peer's figure from the same run (or the baseline the goal is relative to). */
  peer: string;
  /** Whether the target is reached; null for goals that only ask for a figure. */
  met: boolean | null;
}

const recorded = new Map<GoalId, GoalFigure>();

/** Records (or replaces) one goal's figures. */
export function recordGoal(figure: GoalFigure): void {
  recorded.set(figure.id, figure);
}

const ratioText = (x: number) => `${x.toFixed(2)}x`;
const perDay = (cpuMsPerCheck: number, cores = 2) => (cores * 86_400_000) / cpuMsPerCheck;
const millions = (n: number) => `${(n / 1e6).toFixed(1)} M`;

/**
 * The static comparison's goals (bench/static.ts), when its run has the peers: Crawlee and the raw
 * limit for speed, Crawlee's CPU for capacity. A sweep without them (bench/growth.ts) records nothing.
 */
export function recordStaticGoals(reports: readonly VariantReport[]): void {
  const by = (v: string) => reports.find((r) => r.variant === v);
  const crawl = by('mapwatch-crawl');
  const crawlee = by('crawlee');
  const raw = by('raw');
  if (!crawl || (!crawlee && !raw)) return;
  const rate = (r: VariantReport) => r.checks / r.seconds;
  const allRight = crawl.correct === crawl.checks;
  const right = `, ${crawl.correct}/${crawl.checks} prices right`;
  for (const [id, peer, target] of [
    ['static-vs-crawlee', crawlee, 2],
    ['static-vs-raw', raw, 1],
  ] as const) {
    if (!peer) continue;
    const x = rate(crawl) / rate(peer);
    recordGoal({
      id,
      measured: `${ratioText(x)} (${rate(crawl).toFixed(1)} checks/s${right})`,
      peer: `${peer.variant} ${rate(peer).toFixed(1)} checks/s`,
      met: x >= target && allRight,
    });
  }
  const statements = /([\d.]+) statements per check/.exec(crawl.note ?? '')?.[1];
  if (statements !== undefined)
    recordGoal({
      id: 'db-static',
      // Statements include BEGIN/COMMIT and the reads a check makes (its listing's open case): the goal
      // (observations that change no case go in batches) is a property of the code, the figure its cost.
      measured: `${rate(crawl).toFixed(1)} checks/s written, ${statements} statements/check`,
      peer: crawlee ? `crawlee (writes nothing) ${rate(crawlee).toFixed(1)} checks/s` : '-',
      met: null,
    });
  const cpuMs = (r: VariantReport) => ((r.cpuSeconds + (r.serviceCpuSeconds ?? 0)) / r.checks) * 1000;
  const cap = perDay(cpuMs(crawl));
  recordGoal({
    id: 'capacity-static',
    measured: `${millions(cap)} (${cpuMs(crawl).toFixed(2)} CPU ms/check incl. Postgres)`,
    peer: crawlee ? `crawlee ${millions(perDay(cpuMs(crawlee)))} (${cpuMs(crawlee).toFixed(2)} ms, no writes)` : '-',
    met: cap >= 10e6,
  });
}

/** One browser variant's figures, as bench/browser-vs-crawlee.ts computes them. */
export interface BrowserFigures {
  variant: string;
  pagesPerSecond: number;
  /** CPU seconds of the whole process tree per 1,000 pages. */
  cpuSecondsPer1000: number;
  peakRssMb: number;
  peakPssMb: number;
  correct: number;
  checks: number;
}

/** The browser path's goals: speed and memory against Crawlee's PlaywrightCrawler, and capacity. */
export function recordBrowserGoals(rows: readonly BrowserFigures[]): void {
  const mw = rows.find((r) => r.variant === 'mapwatch');
  const crawlee = rows.find((r) => r.variant === 'crawlee');
  if (!mw) return;
  const right = `${mw.correct}/${mw.checks} prices right`;
  if (crawlee) {
    const x = mw.pagesPerSecond / crawlee.pagesPerSecond;
    recordGoal({
      id: 'browser-speed',
      measured: `${ratioText(x)} (${mw.pagesPerSecond.toFixed(2)} pages/s, ${right})`,
      peer: `crawlee ${crawlee.pagesPerSecond.toFixed(2)} pages/s`,
      met: x >= 2 && mw.correct === mw.checks,
    });
    const rss = mw.peakRssMb / crawlee.peakRssMb;
    recordGoal({
      id: 'browser-memory',
      measured: `${ratioText(rss)} RSS (${mw.peakRssMb.toFixed(0)} MB; PSS ${mw.peakPssMb.toFixed(0)} MB, ${ratioText(mw.peakPssMb / crawlee.peakPssMb)})`,
      peer: `crawlee ${crawlee.peakRssMb.toFixed(0)} MB RSS, ${crawlee.peakPssMb.toFixed(0)} MB PSS`,
      met: rss <= 0.5,
    });
  }
  const msPerPage = mw.cpuSecondsPer1000; // CPU s per 1,000 pages = CPU ms per page
  recordGoal({
    id: 'capacity-browser',
    measured: `${millions(perDay(msPerPage))} (${msPerPage.toFixed(0)} CPU ms/page, tree)`,
    peer: crawlee
      ? `crawlee ${millions(perDay(crawlee.cpuSecondsPer1000))} (${crawlee.cpuSecondsPer1000.toFixed(0)} ms)`
      : '-',
    met: null,
  });
}

/** The goals' table: one row per goal, "not run" where no section recorded it. Cells are left-aligned (text). */
export function formatGoals(title = 'Goals (issue 15)'): string {
  const header = ['goal', 'target', 'measured (mapwatch)', 'peer (same run)', 'met'];
  const rows = GOALS.map(({ id, goal, target }) => {
    const f = recorded.get(id);
    if (!f) return [goal, target, 'not run', '-', '-'];
    return [goal, target, f.measured, f.peer, f.met === null ? '-' : f.met ? 'yes' : 'no'];
  });
  const widths = header.map((_, i) => Math.max(...[header, ...rows].map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const done = [...recorded.values()];
  return [
    title,
    line(header),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.map(line),
    `  ${done.filter((f) => f.met === true).length} met, ${done.filter((f) => f.met === false).length} not met, ${done.filter((f) => f.met === null).length} reported, ${GOALS.length - done.length} not run`,
  ].join('\n');
}
