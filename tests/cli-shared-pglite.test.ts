/**
 * While `mapwatch serve` holds the embedded database, the other commands work through its
 * socket (src/db/share-pglite-socket.ts) instead of failing on the data-folder lock; once
 * serve has stopped they open the folder themselves again. The built CLI, as a user runs it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, mapwatch, spawnMapwatch, STACK_TRACE } from './support/cli.js';
import { freePort } from './support/private-postgres.js';
import { tmpDir } from './support/tmp.js';

describe('CLI commands beside a running serve on the embedded database', () => {
  let work: string;
  let env: Record<string, string>;

  beforeAll(() => {
    ensureBuilt();
    work = tmpDir({
      'products.csv': 'sku,name\nAMP,Service Amp\n',
      'map.csv': 'sku,currency,map,effective_from\nAMP,USD,100.00,2020-01-01\n',
    });
    fs.mkdirSync(path.join(work, 'crawlers'));
    env = {
      DATABASE_URL: '',
      REDIS_URL: '', // the queues live in the embedded database too
      MAPWATCH_DATA_DIR: path.join(work, 'data'),
      MAPWATCH_CRAWLERS_DIR: path.join(work, 'crawlers'),
      MAPWATCH_CHROMIUM: '/dev/null',
      MAPWATCH_SMTP_URL: '',
    };
  }, 600_000);

  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  it('reads and writes through serve while it runs, and on its own after serve stopped', async () => {
    const port = await freePort();
    const svc = spawnMapwatch(['serve', '--port', String(port), '--concurrency', '1'], env, /serving (http:\S+)/);
    try {
      await svc.ready;
      const imported = await mapwatch(['import', 'products', path.join(work, 'products.csv')], env);
      expect(imported.stderr).not.toMatch(/in use/);
      expect(imported.code, imported.stderr).toBe(0);
      // The MAP import needs the product: the first import was written, in the one database serve holds.
      const map = await mapwatch(['import', 'map-prices', path.join(work, 'map.csv')], env);
      expect(map.code, map.stderr).toBe(0);
      const cases = await mapwatch(['cases', '--json'], env);
      expect(cases.code, cases.stderr).toBe(0);
      expect(JSON.parse(cases.stdout)).toEqual([]);
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200); // serve kept serving
    } finally {
      svc.child.kill('SIGTERM');
    }
    expect(await svc.exited).toBe(0);
    expect(svc.stderr()).not.toMatch(STACK_TRACE);
    expect(fs.existsSync(path.join(work, 'data', 'pgdata', 'mapwatch.socket'))).toBe(false);

    // On its own now, and what was written through serve is in the data folder.
    const alone = await mapwatch(['import', 'map-prices', path.join(work, 'map.csv')], env);
    expect(alone.code, alone.stderr).toBe(0);
  }, 600_000);
});
