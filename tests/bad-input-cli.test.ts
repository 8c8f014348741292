/**
 * Bad outside input through the CLI as a user runs it: exit code 1 (input), a message naming
 * file, line and column or field, and never a stack trace or an internal error (exit 70).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importProducts } from '../src/catalog/import-products.js';
import { importResellers } from '../src/catalog/import-resellers.js';
import type { DbHandle } from '../src/db/connect.js';
import { openTestDb, POSTGRES_URL } from './support/db.js';
import { tmpDir } from './support/tmp.js';

const ROOT = path.resolve(import.meta.dirname, '..');

function mapwatch(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/run.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: '', MAPWATCH_DEBUG: '', MAPWATCH_CONFIG: '', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
  expect(r.stderr).not.toMatch(/internal error/);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const ALIAS_BOMB = `a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
`;

// Each test's CLI processes share a schema of their own on the real Postgres (faster to start than PGlite).
describe('bad input through the CLI', { timeout: 300_000 }, () => {
  const handles: DbHandle[] = [];
  async function freshDb(catalog = false): Promise<Record<string, string>> {
    const h = await openTestDb('postgres');
    handles.push(h);
    if (catalog) {
      const d = tmpDir({ 'p.csv': 'sku,name\nA-1,Alpha\n', 'r.csv': 'name\nShop One\n' });
      await importProducts(h.db, path.join(d, 'p.csv'));
      await importResellers(h.db, path.join(d, 'r.csv'));
    }
    return { DATABASE_URL: POSTGRES_URL, MAPWATCH_DB_SCHEMA: h.schema, MAPWATCH_DATA_DIR: tmpDir() };
  }
  afterAll(async () => {
    for (const h of handles) await h.close();
  });

  it('refuses NUL bytes, Latin-1 text, huge pack sizes and impossible dates with file, line and column', async () => {
    const data = tmpDir({
      'nul.csv': 'sku,name\nA-1,Al\0pha\n',
      'pack.csv': 'sku,name,pack_size\nA-1,Alpha,99999999999\n',
      'map.csv': 'sku,currency,map,effective_from\nA-1,USD,10.00,2027-02-30\n',
    });
    fs.writeFileSync(path.join(data, 'latin1.csv'), Buffer.from('sku,name\nA-1,Caf\xe9\n', 'latin1'));
    const env = await freshDb();
    const nul = mapwatch(['import', 'products', path.join(data, 'nul.csv')], env);
    expect(nul.code).toBe(1);
    expect(nul.stderr).toMatch(/nul\.csv, line 2, column "name": contains a NUL byte/);
    const pack = mapwatch(['import', 'products', path.join(data, 'pack.csv')], env);
    expect(pack.code).toBe(1);
    expect(pack.stderr).toMatch(/pack\.csv, line 2, column "pack_size": must be at most 1,000,000/);
    const latin1 = mapwatch(['import', 'products', path.join(data, 'latin1.csv')], env);
    expect(latin1.code).toBe(1);
    expect(latin1.stderr).toMatch(/latin1\.csv, line 2, column "name": text is not valid UTF-8/);
    const stated = mapwatch(['import', 'products', path.join(data, 'latin1.csv'), '--encoding', 'windows-1252'], env);
    expect(stated.code).toBe(0);
    const dates = mapwatch(['import', 'map-prices', path.join(data, 'map.csv')], env);
    expect(dates.code).toBe(1);
    expect(dates.stderr).toMatch(/map\.csv, line 2, column "effective_from": "2027-02-30" is not a real date/);
  });

  it('sites check refuses alias bombs, bad crons and selectors, repeated URLs and unimported resellers', async () => {
    const u = 'listings:\n  - { sku: A-1, url: "https://shop.example/a" }\n';
    const head = (reseller = 'Shop One') => `reseller: ${reseller}\ndomain: shop.example\ncurrency: USD\n`;
    const dir = tmpDir({
      'bomb.yaml': head() + u + ALIAS_BOMB,
      'cron.yaml': head() + 'schedule: "0 25 * * *"\n' + u,
      'css.yaml': head() + 'selectors: { price: "span[" }\n' + u,
      'twice.yaml': head() + u + '  - { sku: A-1, url: "https://shop.example/a" }\n',
      'stranger.yaml': head('Shop Nine') + u,
      'good.yaml': head() + u,
    });
    const r = mapwatch(['sites', 'check', '--dir', dir], await freshDb(true));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bomb\.yaml, line 7: invalid YAML: its aliases/);
    expect(r.stderr).toMatch(/cron\.yaml, line 4, field "schedule": "0 25 \* \* \*" is not a valid cron expression/);
    expect(r.stderr).toMatch(/css\.yaml, line 4, field "selectors\.price": "span\[" is not a CSS selector/);
    expect(r.stderr).toMatch(/twice\.yaml, line 6, field "listings\[1\]\.url": .* is listed twice \(also on line 5\)/);
    expect(r.stderr).toMatch(/stranger\.yaml, line 1, field "reseller": unknown reseller "Shop Nine"/);
    // "ok" is printed only for the config a crawl will accept.
    expect(r.stdout.trim().split('\n')).toEqual([expect.stringMatching(/^ok .*good\.yaml/)]);
  });

  it('crawl skips a site with an unknown SKU and crawls the rest; bad settings stop it with a clear message', async () => {
    const data = tmpDir();
    // Port 9 on loopback: nothing listens, so the valid listing is read as a fetch error, quickly.
    const cfg = (sku: string) =>
      `reseller: Shop One\ndomain: "127.0.0.1:9"\ncurrency: USD\nrespect_robots: false\nlistings:\n  - { sku: ${sku}, url: "http://127.0.0.1:9/p" }\n`;
    const dir = tmpDir({ 'good.yaml': cfg('A-1'), 'unknown-sku.yaml': cfg('ZZ-9') });
    const env = { ...(await freshDb(true)), MAPWATCH_ALLOW_PRIVATE: '127.0.0.1' };
    const r = mapwatch(['crawl', '--dir', dir, '--json'], env);
    expect(r.stderr).toMatch(/skipped: .*unknown-sku\.yaml, line 6, field "listings\[0\]\.sku": unknown SKU "ZZ-9"/);
    expect(JSON.parse(r.stdout)).toMatchObject({ checked: 1, skipped: [expect.objectContaining({ line: 6 })] });

    const none = mapwatch(['crawl', '--dir', tmpDir({ 'unknown-sku.yaml': cfg('ZZ-9') })], env);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/unknown-sku\.yaml, line 6, field "listings\[0\]\.sku": unknown SKU/);

    const cidr = mapwatch(['crawl', '--dir', dir], { ...env, MAPWATCH_ALLOW_PRIVATE: '10.0.0.0/99' });
    expect(cidr.code).toBe(1);
    expect(cidr.stderr).toMatch(/MAPWATCH_ALLOW_PRIVATE: "10\.0\.0\.0\/99" is not a valid CIDR range/);

    fs.writeFileSync(path.join(data, 'mapwatch.config.yaml'), 'notify:\n  recipients: []\n' + ALIAS_BOMB);
    const bomb = mapwatch(['crawl', '--dir', dir], {
      ...env,
      MAPWATCH_CONFIG: path.join(data, 'mapwatch.config.yaml'),
    });
    expect(bomb.code).toBe(1);
    expect(bomb.stderr).toMatch(/mapwatch\.config\.yaml, line 4: invalid YAML: its aliases/);
  });
});
