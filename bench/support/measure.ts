/**
 * Measurement helpers shared by the comparison benchmarks: each variant runs in its own
 * child process (so its peak RSS is its own), reports one JSON line on stdout, and the
 * parent prints a table beside a baseline measured in the same run.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { EvidenceSnapshot } from './evidence-size.js';

export interface VariantReport {
  variant: string;
  checks: number;
  /** Checks whose extracted price equals the price the fixture served. */
  correct: number;
  seconds: number;
  /** CPU seconds of the measured work (see each benchmark for what is included). */
  cpuSeconds: number;
  peakRssMb: number;
  /** CPU seconds spent for this variant by other processes (Postgres backends), not in cpuSeconds. */
  serviceCpuSeconds?: number;
  /** `mapwatch crawl` only: the observations table's rows and its size with indexes and TOAST (bench/growth.ts). */
  observationRows?: number;
  observationTableBytes?: number;
  /** `mapwatch crawl` with evidence (bench/growth.ts): the evidence after the first sweep and after the second. */
  evidence?: EvidenceSnapshot[];
  note?: string;
}

/** CPU seconds (user + system) of children this process has waited for, from /proc (Linux). */
export function reapedChildrenCpuSeconds(): number {
  try {
    const stat = fs.readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the comm field: index 13 = cutime, 14 = cstime (fields 16 and 17 of proc(5)), in clock ticks.
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return NaN;
  }
}

/** CPU seconds (user + system) of one live process, from /proc/<pid>/stat. */
export function processCpuSeconds(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** `root` and every descendant (one `ps` call), each with its RSS in KiB. */
function processTree(root: number): { pid: number; rssKiB: number }[] {
  const out = execFileSync('ps', ['-eo', 'pid=,ppid=,rss='], { encoding: 'utf8' });
  const rows = out
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/).map(Number));
  const kids = new Map<number, number[]>();
  for (const [pid, ppid] of rows) kids.set(ppid!, [...(kids.get(ppid!) ?? []), pid!]);
  const rss = new Map(rows.map(([pid, , r]) => [pid!, r!]));
  const tree: { pid: number; rssKiB: number }[] = [];
  const stack = [root];
  while (stack.length) {
    const p = stack.pop()!;
    if (p !== root && !rss.has(p)) continue;
    // `ps` itself (a child of the sampler, not of root) never appears here.
    tree.push({ pid: p, rssKiB: rss.get(p) ?? 0 });
    stack.push(...(kids.get(p) ?? []));
  }
  return tree;
}

/** RSS of `root` plus every descendant (e.g. Chromium and its renderers), in MiB. */
export function treeRssMiB(root = process.pid): number {
  try {
    return processTree(root).reduce((a, p) => a + p.rssKiB, 0) / 1024;
  } catch {
    return NaN;
  }
}

/** One process of a sampled tree: what it is (node, browser, renderer, gpu-process, …) and its memory. */
export interface TreeProcess {
  pid: number;
  kind: string;
  rssMiB: number;
  pssMiB: number;
}

export interface TreeMemory {
  /** Sum of RSS: memory shared between processes (Chromium's binary, its shared regions) counts once per process. */
  rssMiB: number;
  /** Sum of PSS (/proc/<pid>/smaps_rollup): shared pages divided among the processes sharing them, so the sum is what the tree really holds. */
  pssMiB: number;
  processes: TreeProcess[];
}

function kindOf(pid: number, root: number): string {
  if (pid === root) return 'node';
  try {
    // Chromium rewrites its argv as one space-separated title (setproctitle).
    const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split(/[\0 ]/);
    const type = argv.find((a) => a.startsWith('--type='))?.slice(7);
    const sub = argv.find((a) => a.startsWith('--utility-sub-type='))?.slice(19);
    if (type) return sub ? `${type}:${sub.replace(/\.mojom\./, '.')}` : type;
    const exe = path.basename(argv[0] ?? '');
    return /chrom|headless_shell/.test(exe) && !/crashpad/.test(exe) ? 'browser' : exe || 'other';
  } catch {
    return 'gone';
  }
}

function pssKiB(pid: number): number {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** RSS and PSS of `root` and every descendant, per process (Linux). */
export function treeMemory(root = process.pid): TreeMemory {
  const processes: TreeProcess[] = processTree(root).map(({ pid, rssKiB }) => ({
    pid,
    kind: kindOf(pid, root),
    rssMiB: rssKiB / 1024,
    pssMiB: pssKiB(pid) / 1024,
  }));
  return {
    rssMiB: processes.reduce((a, x) => a + x.rssMiB, 0),
    pssMiB: processes.reduce((a, x) => a + x.pssMiB, 0),
    processes,
  };
}

/** "renderer 9 × 95 MiB PSS (141 RSS), …": the processes of a tree grouped by kind, largest first. */
export function describeTree(t: TreeMemory): string {
  const by = new Map<string, { n: number; rss: number; pss: number }>();
  for (const p of t.processes) {
    const g = by.get(p.kind) ?? { n: 0, rss: 0, pss: 0 };
    by.set(p.kind, { n: g.n + 1, rss: g.rss + p.rssMiB, pss: g.pss + p.pssMiB });
  }
  return [...by]
    .sort((a, b) => b[1].pss - a[1].pss)
    .map(([k, g]) => `${k} ${g.n} x ${(g.pss / g.n).toFixed(0)} MiB PSS (${(g.rss / g.n).toFixed(0)} RSS)`)
    .join(', ');
}

/**
 * Runs `node --import tsx <script> ...args` and returns its last stdout line as JSON.
 * Async, so the parent can keep serving fixture pages meanwhile.
 */
export function runVariantChild<T>(
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
  opts: { sampleTreeRss?: boolean } = {},
): Promise<{
  report: T;
  treeCpuSeconds: number;
  peakTreeRssMb: number;
  /** Peak of the tree's PSS sum (sampled with the RSS), and the tree at that moment. */
  peakTreePssMb: number;
  atPeak?: TreeMemory;
  /** Largest number of processes the tree had at any sample. */
  peakProcesses: number;
}> {
  const cpu0 = reapedChildrenCpuSeconds();
  let peakTreeRssMb = 0;
  let peakTreePssMb = 0;
  let peakProcesses = 0;
  let atPeak: TreeMemory | undefined;
  return new Promise((resolve, reject) => {
    // BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles every variant.
    const extra = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
    const child = spawn(process.execPath, [...extra, '--import', 'tsx', script, ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Sampled from here, so the sampling (a `ps` every 250 ms) is not in the child's own figures.
    const sample = () => {
      try {
        const t = treeMemory(child.pid);
        peakTreeRssMb = Math.max(peakTreeRssMb, t.rssMiB);
        peakProcesses = Math.max(peakProcesses, t.processes.length);
        if (t.pssMiB > peakTreePssMb) [peakTreePssMb, atPeak] = [t.pssMiB, t];
      } catch {
        // the child is exiting
      }
    };
    const sampler = opts.sampleTreeRss ? setInterval(sample, 250) : undefined;
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(sampler);
      const last = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !last.startsWith('{')) {
        reject(new Error(`${args.join(' ')} exited ${code}: ${err.slice(-3000) || out.slice(-3000)}`));
        return;
      }
      resolve({
        report: JSON.parse(last) as T,
        treeCpuSeconds: reapedChildrenCpuSeconds() - cpu0,
        peakTreeRssMb,
        peakTreePssMb,
        peakProcesses,
        ...(atPeak ? { atPeak } : {}),
      });
    });
  });
}

/** Runs `worker` over `items` with at most `concurrency` at once, in list order. */
export async function runPool<T>(
  items: readonly T[],
  concurrency: number,
  worker: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await worker(items[next++]!);
    }),
  );
}

export function formatTable(
  title: string,
  header: string[],
  rows: (string | number)[][],
  notes: string[] = [],
): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [
    title,
    line(header),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...cells.slice(1).map(line),
    ...notes.map((n) => `  ${n}`),
  ].join('\n');
}

export function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`environment variable ${name}: "${raw}" is not a positive number`);
  return n;
}

/** Value after `--name` in argv. */
export function argOf(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? undefined : process.argv[i + 1];
}
