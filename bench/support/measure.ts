/**
 * Measurement helpers shared by the comparison benchmarks: each variant runs in its own
 * child process (so its peak RSS is its own), reports one JSON line on stdout, and the
 * parent prints a table beside a baseline measured in the same run.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';

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

/** RSS of `root` plus every descendant (e.g. Chromium and its renderers), in MiB. */
export function treeRssMiB(root = process.pid): number {
  try {
    const out = execFileSync('ps', ['-eo', 'pid=,ppid=,rss='], { encoding: 'utf8' });
    const rows = out
      .trim()
      .split('\n')
      .map((l) => l.trim().split(/\s+/).map(Number));
    const kids = new Map<number, number[]>();
    for (const [pid, ppid] of rows) kids.set(ppid!, [...(kids.get(ppid!) ?? []), pid!]);
    const rss = new Map(rows.map(([pid, , r]) => [pid!, r!]));
    let total = 0;
    const stack = [root];
    while (stack.length) {
      const p = stack.pop()!;
      total += rss.get(p) ?? 0;
      stack.push(...(kids.get(p) ?? []));
    }
    return total / 1024;
  } catch {
    return NaN;
  }
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
): Promise<{ report: T; treeCpuSeconds: number; peakTreeRssMb: number }> {
  const cpu0 = reapedChildrenCpuSeconds();
  let peakTreeRssMb = 0;
  return new Promise((resolve, reject) => {
    // BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles every variant.
    const extra = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
    const child = spawn(process.execPath, [...extra, '--import', 'tsx', script, ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Sampled from here, so the sampling (a `ps` every 250 ms) is not in the child's own figures.
    const sampler = opts.sampleTreeRss
      ? setInterval(() => (peakTreeRssMb = Math.max(peakTreeRssMb, treeRssMiB(child.pid))), 250)
      : undefined;
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
      resolve({ report: JSON.parse(last) as T, treeCpuSeconds: reapedChildrenCpuSeconds() - cpu0, peakTreeRssMb });
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
