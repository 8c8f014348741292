/**
 * The built CLI (`bin/mapwatch.js`, what users run) as a subprocess. `ensureBuilt()` runs
 * `npm run build` first when dist/ is missing or older than any source file, so the tests
 * never judge a stale build.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'bin/mapwatch.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

export function ensureBuilt(): void {
  const entry = path.join(ROOT, 'dist/cli/run.js');
  const built = fs.existsSync(entry) ? fs.statSync(entry).mtimeMs : 0;
  const sources = Math.max(newestMtime(path.join(ROOT, 'src')), newestMtime(path.join(ROOT, 'migrations')));
  if (built >= sources) return;
  const r = spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`npm run build failed:\n${r.stdout}${r.stderr}`);
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `mapwatch ARGS` to completion. Asynchronous on purpose: a storefront served by the
 * test process must keep answering while the CLI crawls it.
 */
export async function mapwatch(args: string[], env: Record<string, string>, cwd = ROOT): Promise<CliResult> {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: { ...process.env, MAPWATCH_DEBUG: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/** A long-running `mapwatch ARGS` (serve, worker); `ready` resolves when stderr contains `readyText`. */
export function spawnMapwatch(
  args: string[],
  env: Record<string, string>,
  readyText: RegExp,
): { child: ChildProcess; ready: Promise<RegExpExecArray>; stderr(): string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, MAPWATCH_DEBUG: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const ready = new Promise<RegExpExecArray>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = readyText.exec(err);
      if (m) resolve(m);
    });
    void exited.then((code) =>
      reject(new Error(`mapwatch ${args[0]} exited (code ${code}) before it was ready: ${err}`)),
    );
  });
  ready.catch(() => {});
  child.stdout!.resume();
  return { child, ready, stderr: () => err, exited };
}

/** No stack trace ever reaches a user. */
export const STACK_TRACE = /\n\s+at .+\(.*:\d+:\d+\)/;
