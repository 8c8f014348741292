/**
 * CLI start-up (issue 15, item 4): the built CLI as a user runs it (`node bin/mapwatch.js`, which
 * loads dist/), each command beside its peer floor from the same run:
 *
 *   - `node -e ''`: Node's own start, the floor of every command;
 *   - `mapwatch --version`, `mapwatch price "1.299,00 €"` (goal: under 150 ms);
 *   - a bare PGlite open (`PGlite.create` with btree_gist, `select 1`, close) in a fresh process, with
 *     PGlite's defaults, as a one-shot command opens it (32MB shared_buffers, baseline WASM
 *     compiler: src/db/connect.ts, `oneShot`) and as `mapwatch cases` opens it (8MB shared_buffers,
 *     `readsLittle`): the floor of every command on the embedded database;
 *   - `mapwatch cases` on the embedded database (goal: under 1 s), alone and while `mapwatch serve`
 *     holds the database (the command then works through serve's socket).
 *
 * The embedded database is a fresh data folder seeded with BENCH_CLI_CASES cases (tests/support/seed-app.ts).
 * Every round runs each variant once, in turn, so a change in the machine's load spreads over all of
 * them. Wall time is median and p90; CPU is the mean user + system time of the process (reaped
 * children, 10 ms ticks, hence a mean), and for the command beside serve also serve's share.
 * Prints figures; asserts nothing.
 *
 *   node --import tsx bench/cli.ts          (after `npm run build`)
 *   BENCH_CLI_RUNS=20 BENCH_CLI_DB_RUNS=6 BENCH_CLI_CASES=1000
 *   BENCH_CLI_ROOT=/path/to/other/checkout   (time that checkout's build, e.g. the commit before a change)
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '../src/db/connect.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { spawnMapwatch } from '../tests/support/cli.js';
import { freePort } from '../tests/support/private-postgres.js';
import { seedApp } from '../tests/support/seed-app.js';
import { recordGoal } from './support/goals.js';
import { envNumber, formatTable, processCpuSeconds, reapedChildrenCpuSeconds } from './support/measure.js';

/** The checkout whose built CLI is timed: this one, or BENCH_CLI_ROOT (e.g. a build of the commit before a change). */
const ROOT = path.resolve(process.env.BENCH_CLI_ROOT || path.join(import.meta.dirname, '..'));
const BIN = path.join(ROOT, 'bin/mapwatch.js');

interface Variant {
  name: string;
  args: string[];
  env?: Record<string, string>;
  /** Another process doing this command's work (serve): its CPU is added to the command's. */
  helperPid?: () => number | undefined;
}

interface Sample {
  wallMs: number[];
  cpuMs: number[];
}

/**
 * A fresh process opening PGlite on `pgdata` and closing it: with PGlite's defaults, or as a one-shot
 * command would with this many shared buffers.
 */
function bareOpenScript(oneShotSharedBuffers?: string): string {
  return `
${oneShotSharedBuffers ? "(await import('node:v8')).default.setFlagsFromString('--liftoff-only');" : ''}
const { PGlite } = await import('@electric-sql/pglite');
const { btree_gist } = await import('@electric-sql/pglite/contrib/btree_gist');
const db = await PGlite.create(process.env.BENCH_PGDATA, {
  extensions: { btree_gist },
  ${oneShotSharedBuffers ? `startParams: [...PGlite.defaultStartParams, '-c', 'shared_buffers=${oneShotSharedBuffers}'],` : ''}
});
await db.query('select 1');
await db.close();`;
}

function runOnce(v: Variant): { wallMs: number; cpuMs: number } {
  const cpu0 = reapedChildrenCpuSeconds();
  const helper = v.helperPid?.();
  const helper0 = helper ? processCpuSeconds(helper) : 0;
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, v.args, {
    cwd: ROOT,
    env: { ...process.env, MAPWATCH_DEBUG: '', ...v.env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${v.name} exited ${r.status}: ${r.stderr}`);
  const helperMs = helper ? (processCpuSeconds(helper) - helper0) * 1000 : 0;
  return { wallMs, cpuMs: (reapedChildrenCpuSeconds() - cpu0) * 1000 + helperMs };
}

function measure(variants: Variant[], runs: number, into: Map<string, Sample>): void {
  for (let i = 0; i < runs; i++)
    for (const v of variants) {
      const s = into.get(v.name) ?? { wallMs: [], cpuMs: [] };
      const r = runOnce(v);
      s.wallMs.push(r.wallMs);
      s.cpuMs.push(r.cpuMs);
      into.set(v.name, s);
    }
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * q))]!;
};
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const ms = (x: number) => `${Math.round(x)} ms`;
const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

export async function runCliBench(): Promise<string> {
  if (!fs.existsSync(path.join(ROOT, 'dist/cli/run.js')))
    throw new Error('bench/cli.ts times the built CLI: run `npm run build` first');
  const runs = envNumber('BENCH_CLI_RUNS', 20);
  const dbRuns = envNumber('BENCH_CLI_DB_RUNS', 6);
  const cases = envNumber('BENCH_CLI_CASES', 1000);
  const loadBefore = load();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-bench-cli-'));
  const pgdata = path.join(work, 'data', 'pgdata');
  const samples = new Map<string, Sample>();
  try {
    const t0 = performance.now();
    const h = await openDatabase({ dataDir: pgdata });
    try {
      await migrateToLatest(h.db, h.schema);
      await seedApp(h.db, { cases, observations: cases * 10 });
    } finally {
      await h.close();
    }
    const seedSeconds = (performance.now() - t0) / 1000;
    const env = {
      DATABASE_URL: '',
      REDIS_URL: '',
      MAPWATCH_DATA_DIR: path.join(work, 'data'),
      MAPWATCH_CHROMIUM: '/dev/null',
      MAPWATCH_SMTP_URL: '',
      BENCH_PGDATA: pgdata,
    };
    const startup: Variant[] = [
      { name: "node -e '' (peer: Node's start)", args: ['-e', ''] },
      { name: 'mapwatch --version', args: [BIN, '--version'] },
      { name: 'mapwatch price "1.299,00 €"', args: [BIN, 'price', '1.299,00 €'] },
    ];
    const embedded: Variant[] = [
      {
        name: 'bare PGlite open + select 1 (peer: defaults)',
        args: ['--input-type=module', '-e', bareOpenScript()],
        env,
      },
      {
        name: 'bare PGlite open + select 1 (peer: as one-shot)',
        args: ['--input-type=module', '-e', bareOpenScript('32MB')],
        env,
      },
      {
        name: 'bare PGlite open + select 1 (peer: as mapwatch cases)',
        args: ['--input-type=module', '-e', bareOpenScript('8MB')],
        env,
      },
      { name: `mapwatch cases (embedded, ${cases} cases)`, args: [BIN, 'cases'], env },
    ];
    measure(startup, runs, samples);
    measure(embedded, dbRuns, samples);

    // Beside a running serve: the command works through serve's socket (serve's CPU for it included).
    const port = await freePort();
    const serve = spawnMapwatch(['serve', '--port', String(port), '--concurrency', '1'], env, /serving (http:\S+)/);
    try {
      await serve.ready;
      const beside: Variant = {
        name: 'mapwatch cases while serve holds the database',
        args: [BIN, 'cases'],
        env,
        helperPid: () => serve.child.pid,
      };
      measure([beside], dbRuns, samples);
    } finally {
      serve.child.kill('SIGTERM');
      await serve.exited;
    }

    const node = samples.get(startup[0]!.name)!;
    const price = samples.get(startup[2]!.name)!;
    const casesAlone = samples.get(embedded[3]!.name)!;
    const p50 = (x: Sample) => quantile(x.wallMs, 0.5);
    recordGoal({
      id: 'cli-price',
      measured: `${ms(p50(price))} (CPU ${ms(mean(price.cpuMs))}), load ${load()}`,
      peer: `node -e '' ${ms(p50(node))}`,
      met: p50(price) < 150,
    });
    const oneShotOpen = samples.get(embedded[2]!.name)!;
    recordGoal({
      id: 'cli-cases',
      measured: `${ms(p50(casesAlone))} alone (CPU ${ms(mean(casesAlone.cpuMs))}); ${ms(p50(samples.get('mapwatch cases while serve holds the database')!))} beside serve`,
      peer: `bare PGlite open (as cases opens it) ${ms(p50(oneShotOpen))}`,
      met: p50(casesAlone) < 1000,
    });
    const rows = [...samples].map(([name, s]) => {
      const peer = name.startsWith('mapwatch cases') ? oneShotOpen : node;
      const d = quantile(s.wallMs, 0.5) - quantile(peer.wallMs, 0.5);
      const over = name.includes('(peer') ? '' : `${d >= 0 ? '+' : ''}${ms(d)}`;
      return [name, s.wallMs.length, ms(quantile(s.wallMs, 0.5)), ms(quantile(s.wallMs, 0.9)), ms(mean(s.cpuMs)), over];
    });
    return formatTable(
      `CLI start-up, the built CLI (${BIN}), ${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? '?'}, Node ${process.version}`,
      ['command', 'runs', 'wall p50', 'wall p90', 'CPU mean', 'p50 vs peer'],
      rows,
      [
        `load average (1, 5, 15 min) before: ${loadBefore}; after: ${load()}`,
        `embedded database: ${cases} cases, ${cases * 10} reads, seeded in ${seedSeconds.toFixed(1)} s; peer of mapwatch price and --version: node -e ''; of mapwatch cases: the bare PGlite open as mapwatch cases opens it`,
        'CPU of `cases while serve holds the database` includes serve’s CPU during the command',
      ],
    );
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  console.log(await runCliBench());
}
