/**
 * Queue test environments: the app database (Postgres schema or in-memory PGlite) plus a
 * BullMQ backend (Redis with a private key prefix, or the PostgreSQL backend on that same
 * database), a seeded catalog, and worker deps wired the way `mapwatch worker` wires them.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { importMapPrices } from '../../src/catalog/import-map-prices.js';
import { importProducts } from '../../src/catalog/import-products.js';
import { importResellers } from '../../src/catalog/import-resellers.js';
import { loadPolicy } from '../../src/config/policy.js';
import type { DbHandle } from '../../src/db/connect.js';
import { makeIsSuppressed } from '../../src/health/is-suppressed.js';
import { openQueueConnection, type QueueConnection } from '../../src/queue/connection.js';
import { makeGateStore, openQueues } from '../../src/queue/open-queues.js';
import type { WorkerDeps } from '../../src/queue/worker-deps.js';
import { type Backend, openTestDb } from './db.js';
import { tmpDir } from './tmp.js';

export const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

export type Combo = 'pglite+pg-queue' | 'postgres+pg-queue' | 'postgres+redis';
export const COMBOS: Combo[] = ['pglite+pg-queue', 'postgres+pg-queue', 'postgres+redis'];

export interface QueueEnv {
  h: DbHandle;
  conn: QueueConnection;
  queues: ReturnType<typeof openQueues>;
  deps: WorkerDeps;
  close(): Promise<void>;
}

export async function openQueueEnv(combo: Combo, opts: { redisUrl?: string } = {}): Promise<QueueEnv> {
  const backend: Backend = combo.startsWith('pglite') ? 'pglite' : 'postgres';
  const h = await openTestDb(backend);
  const conn = await openQueueConnection({
    redisUrl: combo.endsWith('redis') ? (opts.redisUrl ?? REDIS_URL) : undefined,
    db: h,
    prefix: `t${randomBytes(4).toString('hex')}`,
  });
  const queues = openQueues(conn);
  const deps: WorkerDeps = {
    db: h.db,
    policy: { ...loadPolicy({}), resolveAfter: 2 },
    fetchOptions: { allowPrivate: ['127.0.0.1'], timeoutMs: 10_000 },
    gateStore: makeGateStore(conn, h.db),
    health: { minSuccessRate: 0.5, minPageReads: 5, recoverAfter: 3 },
    queues,
    isSuppressed: makeIsSuppressed(h.db, { cacheMs: 0 }),
  };
  return {
    h,
    conn,
    queues,
    deps,
    async close() {
      await queues.closeAll().catch(() => {});
      await conn.close().catch(() => {});
      await h.close();
    },
  };
}

export async function seedCatalog(h: DbHandle, skus: string[], mapPrice = '100.00'): Promise<void> {
  const dir = tmpDir({
    'products.csv': 'sku,name\n' + skus.map((s) => `${s},Product ${s}`).join('\n') + '\n',
    'resellers.csv': 'name\nTest Shop\n',
    'map.csv': 'sku,currency,map,effective_from\n' + skus.map((s) => `${s},USD,${mapPrice},2020-01-01`).join('\n') + '\n',
  });
  await importProducts(h.db, path.join(dir, 'products.csv'));
  await importResellers(h.db, path.join(dir, 'resellers.csv'));
  await importMapPrices(h.db, path.join(dir, 'map.csv'));
}

/** Polls `check` until it returns a truthy value; generous by default for 2-core CI. */
export async function waitFor<T>(check: () => Promise<T> | T, what: string, timeoutMs = 25_000): Promise<NonNullable<T>> {
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

export function siteYaml(o: { host: string; origin: string; paths: [string, string][]; schedule?: string; delayMs?: number; concurrency?: number }): string {
  return `reseller: Test Shop
domain: "${o.host}"
currency: USD
respect_robots: false
schedule: "${o.schedule ?? '0 0 1 1 *'}"
rate_limit: { concurrency: ${o.concurrency ?? 1}, delay_ms: ${o.delayMs ?? 0} }
listings:
${o.paths.map(([sku, p]) => `  - { sku: ${sku}, url: "${o.origin}${p}" }`).join('\n')}
`;
}
