/**
 * Queue test environments: the app database (Postgres schema or in-memory PGlite) plus a
 * BullMQ backend (Redis with a private key prefix, or the PostgreSQL backend on that same
 * database), a seeded catalog, and the app context from the composition root, as
 * `mapwatch worker` builds it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { importMapPrices } from '../../src/catalog/import-map-prices.js';
import { importProducts } from '../../src/catalog/import-products.js';
import { importResellers } from '../../src/catalog/import-resellers.js';
import { openApp } from '../../src/app/open-app.js';
import { loadProcessConfig } from '../../src/config/process-config.js';
import type { AppContext } from '../../src/context.js';
import { loadPolicy } from '../../src/config/policy.js';
import type { DbHandle } from '../../src/db/connect.js';
import type { QueueConnection } from '../../src/queue/connection.js';
import { type Backend, openTestDb } from './db.js';
import { REDIS_URL, SERVER_LEGS } from './servers.js';
import { tmpDir } from './tmp.js';

export { REDIS_URL };

export type Combo = 'pglite+pg-queue' | 'postgres+pg-queue' | 'postgres+redis';
const ALL_COMBOS: Combo[] = ['pglite+pg-queue', 'postgres+pg-queue', 'postgres+redis'];
/** Whether a combination's servers are part of this run (the embedded one always is). */
export const comboRuns = (c: Combo): boolean =>
  (!c.startsWith('postgres') || SERVER_LEGS.postgres) && (!c.endsWith('redis') || SERVER_LEGS.redis);
export const COMBOS: Combo[] = ALL_COMBOS.filter(comboRuns);

export interface QueueEnv {
  h: DbHandle;
  conn: QueueConnection;
  queues: NonNullable<AppContext['queues']>;
  deps: AppContext;
  close(): Promise<void>;
}

export async function openQueueEnv(combo: Combo, opts: { redisUrl?: string } = {}): Promise<QueueEnv> {
  const backend: Backend = combo.startsWith('pglite') ? 'pglite' : 'postgres';
  const h = await openTestDb(backend);
  const app = await openApp({
    config: loadProcessConfig({}),
    db: h,
    queues: {
      redisUrl: combo.endsWith('redis') ? (opts.redisUrl ?? REDIS_URL) : false,
      prefix: `t${randomBytes(4).toString('hex')}`,
    },
    policy: { ...loadPolicy({}), resolveAfter: 2 },
    fetchOptions: { allowPrivate: ['127.0.0.1'], timeoutMs: 10_000 },
    health: { minSuccessRate: 0.5, minPageReads: 5, recoverAfter: 3 },
    suppressionCacheMs: 0,
    evidence: false,
  });
  return {
    h,
    conn: app.conn!,
    queues: app.ctx.queues!,
    deps: app.ctx,
    async close() {
      await app.close();
      await h.close();
    },
  };
}

export async function seedCatalog(h: DbHandle, skus: string[], mapPrice = '100.00'): Promise<void> {
  const dir = tmpDir({
    'products.csv': 'sku,name\n' + skus.map((s) => `${s},Product ${s}`).join('\n') + '\n',
    'resellers.csv': 'name\nTest Shop\n',
    'map.csv':
      'sku,currency,map,effective_from\n' + skus.map((s) => `${s},USD,${mapPrice},2020-01-01`).join('\n') + '\n',
  });
  await importProducts(h.db, path.join(dir, 'products.csv'));
  await importResellers(h.db, path.join(dir, 'resellers.csv'));
  await importMapPrices(h.db, path.join(dir, 'map.csv'));
}

/** Polls `check` until it returns a truthy value; generous by default for 2-core CI. */
export async function waitFor<T>(
  check: () => Promise<T> | T,
  what: string,
  timeoutMs = 25_000,
): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function siteYaml(o: {
  host: string;
  origin: string;
  paths: [string, string][];
  schedule?: string;
  delayMs?: number;
  concurrency?: number;
  recheckMs?: number;
}): string {
  return `reseller: Test Shop
domain: "${o.host}"
currency: USD
respect_robots: false
schedule: "${o.schedule ?? '0 0 1 1 *'}"
rate_limit: { concurrency: ${o.concurrency ?? 1}, delay_ms: ${o.delayMs ?? 0} }
${o.recheckMs === undefined ? '' : `recheck: { delay_ms: ${o.recheckMs} }\n`}listings:
${o.paths.map(([sku, p]) => `  - { sku: ${sku}, url: "${o.origin}${p}" }`).join('\n')}
`;
}

/**
 * A private redis-server on a free port, never the shared one on 6379, so a test (or the
 * benchmark) can restart it. No periodic saves and no AOF; `restart()` snapshots with
 * SHUTDOWN SAVE into its own temporary folder so the queued jobs survive the restart.
 */
export interface PrivateRedis {
  url: string;
  port: number;
  restart(downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await new Promise<number>((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => resolve(p));
    });
    s.on('error', reject);
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-redis-'));
  let child: ChildProcess | undefined;
  const ping = () =>
    new Promise<boolean>((resolve) => {
      const c = net.connect(port, '127.0.0.1', () => c.write('PING\r\n'));
      c.setTimeout(1000, () => (c.destroy(), resolve(false)));
      c.on('data', (d) => (c.destroy(), resolve(d.toString().startsWith('+PONG'))));
      c.on('error', () => resolve(false));
    });
  const start = async () => {
    child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
        '--maxmemory-policy',
        'noeviction',
      ],
      { stdio: 'ignore' },
    );
    await waitFor(ping, `redis-server on port ${port}`, 15_000);
  };
  const exited = (c: ChildProcess) =>
    c.exitCode !== null || c.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((r) => c.once('exit', () => r()));
  const shutdown = async (save: boolean) => {
    const c = child;
    if (!c) return;
    child = undefined;
    await new Promise<void>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => s.write(`SHUTDOWN ${save ? 'SAVE' : 'NOSAVE'}\r\n`));
      s.on('close', () => resolve());
      s.on('error', () => resolve());
    });
    const t = setTimeout(() => c.kill('SIGKILL'), 10_000);
    await exited(c);
    clearTimeout(t);
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async restart(downMs = 1000) {
      await shutdown(true);
      await new Promise((r) => setTimeout(r, downMs));
      await start();
    },
    async stop() {
      await shutdown(false);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A `mapwatch worker` process (the real CLI), ready once it logs that it is running. */
export interface WorkerProcess {
  child: ChildProcess;
  stderr(): string;
  ready: Promise<void>;
  exited: Promise<void>;
  /** Kills it (SIGKILL unless told) and waits for it to be gone. Safe to call twice. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export async function spawnWorkerProcess(env: Record<string, string>, args: string[] = []): Promise<WorkerProcess> {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/run.ts', 'worker', ...args], {
    cwd: root,
    env: { ...process.env, MAPWATCH_DEBUG: '1', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const ready = new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.includes('worker running')) resolve();
    });
    void exited.then(() => reject(new Error(`worker exited before it was ready (code ${child.exitCode}): ${err}`)));
  });
  ready.catch(() => {});
  return {
    child,
    stderr: () => err,
    ready,
    exited,
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
