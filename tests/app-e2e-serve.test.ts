/**
 * The review app as a user starts it: the built CLI, `mapwatch users add … --password-stdin`
 * then `mapwatch serve`, as subprocesses, on a seeded database (Postgres, and the embedded
 * database in a data folder), driven in real Chromium: the login page, signing in, the case
 * list with the seeded cases, a case page, and signing out. (tests/app-e2e.test.ts covers
 * the behaviour in depth against the same server started in-process.)
 */
import { spawn } from 'node:child_process';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/connect.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { LocalEvidenceStore } from '../src/evidence/evidence-store.js';
import { ensureBuilt, ROOT, spawnMapwatch } from './support/cli.js';
import { BACKENDS, openTestDb } from './support/db.js';
import { launchChromium } from './support/review-app.js';
import { seedApp } from './support/seed-app.js';
import { tmpDir } from './support/tmp.js';

const EMAIL = 'pat@northwind.example';
const PASSWORD = 'serve-e2e-password';

let browser: Browser;
// The build runs when dist/ is older than the sources: minutes on a busy 2-core machine.
beforeAll(async () => {
  ensureBuilt();
  browser = await launchChromium();
}, 300_000);
afterAll(async () => {
  await browser?.close();
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => resolve(p));
    });
    s.on('error', reject);
  });
}

/** `mapwatch ARGS` with `input` on stdin (the password), to completion. */
function mapwatchWithStdin(args: string[], env: Record<string, string>, input: string) {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/mapwatch.js'), ...args], {
    cwd: ROOT,
    env: { ...process.env, MAPWATCH_DEBUG: '', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  child.stdin.end(input);
  return new Promise<{ code: number | null; out: string }>((r) => child.once('close', (code) => r({ code, out })));
}

describe.each(BACKENDS)('mapwatch serve on %s', (backend) => {
  let env: Record<string, string>;
  let close: () => Promise<void> = async () => {};

  beforeAll(async () => {
    const dataDir = tmpDir();
    const evidence = new LocalEvidenceStore(path.join(dataDir, 'evidence'));
    env = { MAPWATCH_DATA_DIR: dataDir, REDIS_URL: '', MAPWATCH_QUEUE_UI: '' };
    if (backend === 'postgres') {
      const h = await openTestDb('postgres');
      await seedApp(h.db, { cases: 40, observations: 400, evidence });
      env = { ...env, DATABASE_URL: h.pgConfig.connectionString!, MAPWATCH_DB_SCHEMA: h.schema };
      close = () => h.close();
    } else {
      // The embedded database is one process's: seed it, close it, then hand it to serve.
      const h = await openDatabase({ dataDir: path.join(dataDir, 'pgdata') });
      await migrateToLatest(h.db, h.schema);
      await seedApp(h.db, { cases: 40, observations: 400, evidence });
      await h.close();
      env = { ...env, DATABASE_URL: '' };
    }
  });
  afterAll(async () => {
    await close();
  });

  it('adds a user with the CLI, serves the app, and a browser signs in, reads cases and signs out', async () => {
    const added = await mapwatchWithStdin(
      ['users', 'add', EMAIL, '--role', 'viewer', '--password-stdin'],
      env,
      PASSWORD,
    );
    expect(added.code, added.out).toBe(0);

    const port = await freePort();
    const srv = spawnMapwatch(
      ['serve', '--port', String(port), '--no-worker', '--no-scheduler'],
      env,
      /serving (http:\/\/[\w.:[\]]+)/,
    );
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const [, url] = await srv.ready;
      const page = await ctx.newPage();
      await page.goto(`${url}/`);
      expect(new URL(page.url()).pathname).toBe('/login');
      await page.fill('input[name=email]', EMAIL);
      await page.fill('input[name=password]', PASSWORD);
      await Promise.all([page.waitForURL(/\/cases/), page.click('button[type=submit]')]);
      const rows = page.locator('main table tbody tr');
      expect(await rows.count()).toBeGreaterThan(10);
      await page.locator('main table tbody tr a[href^="/cases/"]').first().click();
      await page.waitForURL(/\/cases\/\d+$/);
      await page.locator('#price-chart').waitFor();
      await Promise.all([page.waitForURL(/\/login/), page.click('form.signout button')]);
    } finally {
      await ctx.close();
      srv.child.kill('SIGTERM');
      await srv.exited;
    }
    expect(srv.stderr()).not.toMatch(/\n\s+at .+:\d+:\d+\)/);
  });
});
