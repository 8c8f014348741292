/**
 * `mapwatch crawl` as a user runs it (a real process, on a real Postgres schema): it goes
 * through the same check pipeline as the queue workers, so site health is updated and
 * suppression holds; and a crawl in which no listing could be read exits non-zero.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbHandle } from '../src/db/connect.js';
import { openTestDb, POSTGRES_URL } from './support/db.js';
import { seedCatalog, siteYaml } from './support/queue.js';
import { productPage, startServer, type TestServer } from './support/server.js';
import { tmpDir } from './support/tmp.js';

const ROOT = path.resolve(import.meta.dirname, '..');

/** Runs the CLI without blocking this process, whose test server must keep answering. */
function mapwatch(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'src/cli/run.ts'), ...args],
      { cwd: ROOT, env: { ...process.env, MAPWATCH_DEBUG: '', ...env }, timeout: 120_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        expect(stderr).not.toMatch(/\n\s+at .+\(.*:\d+:\d+\)/);
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('mapwatch crawl', { timeout: 240_000 }, () => {
  let h: DbHandle;
  let srv: TestServer;
  let env: Record<string, string>;

  beforeAll(async () => {
    h = await openTestDb('postgres');
    await seedCatalog(h, ['A', 'B', 'C']);
    srv = await startServer({
      '/walled/a': { status: 403, body: '<html>Access denied</html>' },
      '/walled/b': { status: 403, body: '<html>Access denied</html>' },
      '/broken/a': { body: '<html><body><h1>Product A</h1><p>See the shop for prices</p></body></html>' },
      '/broken/b': { body: '<html><body><h1>Product B</h1><p>See the shop for prices</p></body></html>' },
      '/broken/c': { body: '<html><body><h1>Product C</h1><p>See the shop for prices</p></body></html>' },
    });
    env = {
      DATABASE_URL: POSTGRES_URL,
      MAPWATCH_DB_SCHEMA: h.schema,
      MAPWATCH_ALLOW_PRIVATE: '127.0.0.1',
      MAPWATCH_DATA_DIR: tmpDir({}),
      MAPWATCH_CONFIG: '',
      REDIS_URL: '',
      MAPWATCH_HEALTH_MIN_READS: '3',
      MAPWATCH_CHROMIUM: '',
    };
  });
  afterAll(async () => {
    await srv?.close();
    await h?.close();
  });

  it('exits non-zero and says so when no listing could be read', async () => {
    const dir = tmpDir({
      'walled.yaml': siteYaml({
        host: srv.host,
        origin: srv.origin,
        paths: [
          ['A', '/walled/a'],
          ['B', '/walled/b'],
        ],
      }),
    });
    const r = await mapwatch(['crawl', '--dir', dir, '--json'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no listing could be read \(2 blocked\)/);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ checked: 2, read: 0, byStatus: { blocked: 2 } });
  });

  it('updates site health, alerts ops once, and then holds new cases back while the site is suppressed', async () => {
    const dir = tmpDir({
      'broken.yaml': siteYaml({
        host: srv.host,
        origin: srv.origin,
        paths: [
          ['A', '/broken/a'],
          ['B', '/broken/b'],
          ['C', '/broken/c'],
        ],
      }),
    });
    const first = await mapwatch(['crawl', '--dir', dir], env);
    // Pages were read (no price on them): that is not a failed crawl.
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/Site broken is now suppressed/);
    const site = await h.db.selectFrom('sites').select('id').where('name', '=', 'broken').executeTakeFirstOrThrow();
    const health = await h.db.selectFrom('site_health').selectAll().where('site_id', '=', site.id).executeTakeFirst();
    expect(health?.suppressed).toBe(true);
    const alerts = await h.db.selectFrom('site_alerts').select('kind').where('site_id', '=', site.id).execute();
    expect(alerts.map((a) => a.kind)).toEqual(['needs_attention']);

    // The shop now shows a price far below MAP on one listing: recorded, but no case opens.
    srv.routes.set('/broken/a', { body: productPage({ name: 'Product A', price: '50.00' }) });
    const second = await mapwatch(['crawl', '--dir', dir, '--json'], env);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout).cases).toMatchObject({ opened: 0, suppressed: 1 });
    const cases = await h.db.selectFrom('cases').select('id').execute();
    expect(cases).toEqual([]);
  });
});
