/**
 * What a one-shot command's start leaves out (issue 15, `mapwatch cases` in under 1 s):
 * - `pg` loads without Node 20 loading its fetch implementation (src/db/load-pg.ts), and the
 *   global `Response` is put back exactly as it was;
 * - a one-shot open that reads little (`mapwatch cases`) starts Postgres with 8MB of shared
 *   buffers, any other one-shot open with 32MB (src/db/connect.ts, `readsLittle`).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/connect.js';

const root = path.resolve(import.meta.dirname, '..');

describe('loading pg', () => {
  it('never touches the global Response (which would load undici), and leaves it as it was', () => {
    // A fresh process: this one may have loaded pg (or touched Response) already.
    const script = `
const before = Object.getOwnPropertyDescriptor(globalThis, 'Response');
let touched = 0;
Object.defineProperty(globalThis, 'Response', { configurable: true, get() { touched++; return before.get.call(this); } });
const traced = Object.getOwnPropertyDescriptor(globalThis, 'Response');
const { default: pg } = await import('./src/db/load-pg.ts');
const after = Object.getOwnPropertyDescriptor(globalThis, 'Response');
console.log(JSON.stringify({ touched, pool: typeof pg.Pool, restored: after.get === traced.get && after.configurable }));`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ touched: 0, pool: 'function', restored: true });
  });
});

describe('a one-shot open of the embedded database', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  const sharedBuffers = async (opts: { oneShot?: boolean; readsLittle?: boolean }) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-one-shot-'));
    dirs.push(dir);
    const h = await openDatabase({ dataDir: path.join(dir, 'pgdata'), ...opts });
    try {
      return (await sql<{ shared_buffers: string }>`show shared_buffers`.execute(h.db)).rows[0]!.shared_buffers;
    } finally {
      await h.close();
    }
  };

  it('starts with 8MB of shared buffers when the command reads little, 32MB otherwise', async () => {
    expect(await sharedBuffers({ oneShot: true, readsLittle: true })).toBe('8MB');
    expect(await sharedBuffers({ oneShot: true })).toBe('32MB');
  });
});
