/**
 * The embedded database's data-folder lock under synchronised starts: several processes try
 * to take the same folder at the same millisecond, each time over a stale lock file left by a
 * dead process (and once over a winner that was SIGKILLed). Exactly one may win every round.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { lockDataDir } from '../src/db/lock-data-dir.js';
import { tmpDir } from './support/tmp.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CHILDREN = 6;
const ROUNDS = 15;

interface Child {
  proc: ChildProcess;
  next(): Promise<string>;
  send(line: string): void;
}

function startChild(): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'tests/support/lock-child.ts'], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  const waiters: ((l: string) => void)[] = [];
  readline.createInterface({ input: proc.stdout! }).on('line', (l) => {
    const w = waiters.shift();
    if (w) w(l);
    else lines.push(l);
  });
  return {
    proc,
    next: () => (lines.length ? Promise.resolve(lines.shift()!) : new Promise((r) => waiters.push(r))),
    send: (l) => proc.stdin!.write(`${l}\n`),
  };
}

/** A pid that certainly belongs to no running process: one that has just exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid!;
}

describe('data-folder lock of the embedded database', () => {
  const children: Child[] = [];
  afterAll(() => {
    for (const c of children) c.proc.kill('SIGKILL');
  });

  it(`exactly one of ${CHILDREN} synchronised starts wins, in each of ${ROUNDS} rounds over a stale lock`, async () => {
    for (let i = 0; i < CHILDREN; i++) children.push(startChild());
    for (const c of children) expect(await c.next()).toBe('ready');
    const winners: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const dir = tmpDir({});
      fs.writeFileSync(path.join(dir, 'mapwatch.lock'), String(deadPid())); // left by a crashed owner
      const at = Date.now() + 300;
      const live = children.filter((c) => c.proc.exitCode === null && c.proc.signalCode === null);
      for (const c of live) c.send(`go ${dir} ${at}`);
      const results = await Promise.all(live.map((c) => c.next()));
      const won = live.filter((_, i) => results[i] === 'won');
      winners.push(won.length);
      for (const r of results) if (r !== 'won') expect(r).toMatch(/^lost .*is in use/);
      if (won.length === 1)
        expect(fs.readFileSync(path.join(dir, 'mapwatch.lock'), 'utf8')).toBe(String(won[0]!.proc.pid));
      if (round === ROUNDS - 1 && won[0]) {
        // The winner dies without releasing: the next taker must get the folder.
        won[0].proc.kill('SIGKILL');
        await new Promise((r) => won[0]!.proc.once('exit', r));
        const release = await lockDataDir(dir);
        expect(fs.readFileSync(path.join(dir, 'mapwatch.lock'), 'utf8')).toBe(String(process.pid));
        release();
        expect(fs.existsSync(path.join(dir, 'mapwatch.lock'))).toBe(false);
      } else {
        for (const c of won) {
          c.send('release');
          expect(await c.next()).toBe('released');
        }
      }
    }
    expect(winners).toEqual(Array(ROUNDS).fill(1));
  }, 180_000);

  it('a live owner in this process keeps the folder; release lets the next one in', async () => {
    const dir = tmpDir({});
    const release = await lockDataDir(dir);
    await expect(lockDataDir(dir)).rejects.toThrow(/is in use by process/);
    release();
    const again = await lockDataDir(dir);
    again();
  });
});
