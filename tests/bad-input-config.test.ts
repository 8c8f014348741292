/**
 * Site configs, mapwatch.config.yaml and MAPWATCH_ALLOW_PRIVATE that used to crash, pass
 * `sites check` and break later, or stop every other site: each is now refused with file,
 * line and field, and a broken site config never stops the valid ones from being crawled.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importMapPrices } from '../src/catalog/import-map-prices.js';
import { importProducts } from '../src/catalog/import-products.js';
import { importResellers } from '../src/catalog/import-resellers.js';
import { loadEnv } from '../src/config/env.js';
import { loadSiteFile, loadSites } from '../src/config/load-sites.js';
import { loadPolicy } from '../src/config/policy.js';
import { resolveSiteRefs, syncValidSites } from '../src/config/sync-sites.js';
import type { DbHandle } from '../src/db/connect.js';
import { InputError, UserError } from '../src/errors.js';
import { AddressGuard } from '../src/fetch/address-guard.js';
import { loadNotifyConfig } from '../src/notify/notify-config.js';
import { crawlNow } from '../src/check/crawl-now.js';
import { openTestDb } from './support/db.js';
import { productPage, startServer, type TestServer } from './support/server.js';
import { tmpDir } from './support/tmp.js';

const site = (extra = '', listings = '  - { sku: A-1, url: "https://shop.example/a" }\n') =>
  `reseller: Shop One\ndomain: shop.example\ncurrency: USD\n${extra}listings:\n${listings}`;

/** Nine aliases, each of nine of the one before: 9^6 strings from a few hundred bytes. */
const ALIAS_BOMB = `a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
`;

function problemsIn(dir: string, file: string) {
  return loadSiteFile(path.join(dir, file)).problems;
}

describe('site config files that used to pass or crash', () => {
  it('refuses a YAML alias bomb with its line instead of an internal error', () => {
    const dir = tmpDir({ 'bomb.yaml': site() + ALIAS_BOMB });
    expect(problemsIn(dir, 'bomb.yaml')).toEqual([
      {
        file: expect.stringContaining('bomb.yaml'),
        line: 7,
        message: expect.stringMatching(/invalid YAML: its aliases \(\*name\) expand to too much data/),
      },
    ]);
  });

  it('refuses a config that is not UTF-8, naming the line', () => {
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, 'latin1.yaml'), Buffer.from(site('user_agent: "Caf\xe9 bot"\n'), 'latin1'));
    expect(problemsIn(dir, 'latin1.yaml')).toEqual([
      { file: expect.stringContaining('latin1.yaml'), line: 4, message: expect.stringMatching(/not valid UTF-8/) },
    ]);
  });

  it('refuses a NUL character (a "\\0" escape) that the database could not store', () => {
    const dir = tmpDir({ 'nul.yaml': site('', '  - { sku: "A-1\\0", url: "https://shop.example/a" }\n') });
    expect(problemsIn(dir, 'nul.yaml')).toEqual([
      expect.objectContaining({ line: 5, field: 'listings[0].sku', message: expect.stringMatching(/NUL character/) }),
    ]);
  });

  it('checks the cron with the parser BullMQ schedules with, and wants 5 or 6 fields', () => {
    const dir = tmpDir({
      'bad-cron.yaml': site('schedule: "61 * * * *"\n'),
      'short-cron.yaml': site('schedule: "0 6 * *"\n'),
      'words.yaml': site('schedule: "every day"\n'),
      'seconds.yaml': site('schedule: "30 0 */6 * * *"\n'),
      'alias.yaml': site('schedule: "@daily"\n'),
    });
    expect(problemsIn(dir, 'bad-cron.yaml')).toEqual([
      expect.objectContaining({ line: 4, field: 'schedule', message: expect.stringMatching(/got value 61/) }),
    ]);
    expect(problemsIn(dir, 'short-cron.yaml')).toEqual([
      expect.objectContaining({ line: 4, field: 'schedule', message: expect.stringMatching(/has 4 field/) }),
    ]);
    expect(problemsIn(dir, 'words.yaml')).toEqual([expect.objectContaining({ field: 'schedule' })]);
    expect(problemsIn(dir, 'seconds.yaml')).toEqual([]);
    expect(problemsIn(dir, 'alias.yaml')).toEqual([]);
  });

  it('checks CSS selectors with the engine the extractor runs them in', () => {
    const dir = tmpDir({
      'bad-css.yaml': site('selectors:\n  price: ".price >> span"\n  seller: "div:has-text(Shop)"\n'),
      'good-css.yaml': site('selectors:\n  price: ".price:not(.old) > span"\n  sku: \'[itemprop="sku"]\'\n'),
    });
    expect(problemsIn(dir, 'bad-css.yaml')).toEqual([
      expect.objectContaining({
        line: 5,
        field: 'selectors.price',
        message: expect.stringMatching(/not a CSS selector/),
      }),
      expect.objectContaining({ line: 6, field: 'selectors.seller', message: expect.stringMatching(/has-text/) }),
    ]);
    expect(problemsIn(dir, 'good-css.yaml')).toEqual([]);
  });

  it('refuses the same URL listed twice, in the file or in its listings CSV', () => {
    const dir = tmpDir({
      'twice.yaml': site(
        '',
        '  - { sku: A-1, url: "https://shop.example/a" }\n  - { sku: B-2, url: "https://SHOP.example:443/a" }\n',
      ),
      'with-csv.yaml': site('listings_csv: more.csv\n'),
      'more.csv': 'sku,url\nB-2,https://shop.example/b\nC-3,https://shop.example/a\n',
    });
    expect(problemsIn(dir, 'twice.yaml')).toEqual([
      expect.objectContaining({
        line: 6,
        field: 'listings[1].url',
        message: 'https://SHOP.example:443/a is listed twice (also on line 5, for SKU "A-1")',
      }),
    ]);
    expect(problemsIn(dir, 'with-csv.yaml')).toEqual([
      expect.objectContaining({
        file: expect.stringContaining('more.csv'),
        line: 3,
        field: 'url',
        message: expect.stringMatching(/is listed twice \(also on .*with-csv\.yaml, line 6, for SKU "A-1"\)/),
      }),
    ]);
  });

  it('refuses a pack size the database cannot hold, in the file and in a listings CSV', () => {
    const dir = tmpDir({
      'pack.yaml': site('', '  - { sku: A-1, url: "https://shop.example/a", pack_size: 99999999999 }\n'),
      'pack-csv.yaml': site('listings_csv: p.csv\n'),
      'p.csv': 'sku,url,pack_size\nB-2,https://shop.example/b,99999999999\n',
    });
    expect(problemsIn(dir, 'pack.yaml')).toEqual([expect.objectContaining({ field: 'listings[0].pack_size' })]);
    expect(problemsIn(dir, 'pack-csv.yaml')).toEqual([
      expect.objectContaining({ line: 2, column: 'pack_size', message: 'must be at most 1,000,000' }),
    ]);
  });
});

describe('mapwatch.config.yaml', () => {
  it('refuses a YAML alias bomb with file and line', () => {
    const dir = tmpDir({ 'mapwatch.config.yaml': `notify:\n  recipients: []\n${ALIAS_BOMB}` });
    let err: unknown;
    try {
      loadNotifyConfig(path.join(dir, 'mapwatch.config.yaml'));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).problems).toEqual([
      expect.objectContaining({ line: 4, message: expect.stringMatching(/aliases .* expand to too much data/) }),
    ]);
  });
});

describe('MAPWATCH_ALLOW_PRIVATE', () => {
  it('refuses an invalid CIDR or address instead of taking it for a host name', () => {
    for (const [value, reason] of [
      ['10.0.0.0/99', /"10\.0\.0\.0\/99" is not a valid CIDR range: the prefix length must be 0 to 32 for IPv4/],
      ['127.0.0.1,fc00::/200', /"fc00::\/200" is not a valid CIDR range: the prefix length must be 0 to 128/],
      ['10.0.0.300', /"10\.0\.0\.300" is not a valid IP address/],
      ['localhost:8080', /has a port/],
      ['shop example', /is not an IP address, a CIDR range/],
    ] as const) {
      expect(() => loadEnv({ MAPWATCH_ALLOW_PRIVATE: value })).toThrow(
        expect.objectContaining({ code: 'invalid_input', message: expect.stringMatching(reason) }),
      );
      expect(() => loadEnv({ MAPWATCH_ALLOW_PRIVATE: value })).toThrow(/MAPWATCH_ALLOW_PRIVATE/);
    }
    expect(() => new AddressGuard(['10.0.0.0/99'])).toThrow(UserError);
    const ok = loadEnv({
      MAPWATCH_ALLOW_PRIVATE: '127.0.0.1, 10.0.0.0/8, ::1, [::1], fc00::/7, localhost, *.corp.example',
    });
    expect(ok.MAPWATCH_ALLOW_PRIVATE).toHaveLength(7);
    expect(new AddressGuard(ok.MAPWATCH_ALLOW_PRIVATE).check('10.1.2.3', 'x')).toBeNull();
  });
});

describe('site configs against the database', { timeout: 60_000 }, () => {
  let h: DbHandle;
  let srv: TestServer;
  beforeAll(async () => {
    h = await openTestDb('postgres');
    srv = await startServer({
      '/robots.txt': { body: 'User-agent: *\nAllow: /\n', headers: { 'content-type': 'text/plain' } },
      '/p/a': { body: productPage({ name: 'Alpha', price: '120.00' }) },
      '/p/b': { body: productPage({ name: 'Beta', price: '120.00' }) },
    });
    const d = tmpDir({
      'p.csv': 'sku,name\nA-1,Alpha\nB-2,Beta\n',
      'r.csv': 'name\nShop One\n',
      'm.csv': 'sku,currency,map,effective_from\nA-1,USD,100.00,2020-01-01\nB-2,USD,100.00,2020-01-01\n',
    });
    await importProducts(h.db, path.join(d, 'p.csv'));
    await importResellers(h.db, path.join(d, 'r.csv'));
    await importMapPrices(h.db, path.join(d, 'm.csv'));
  });
  afterAll(async () => {
    await srv?.close();
    await h?.close();
  });

  const shop = (reseller: string, sku: string, p: string) =>
    `reseller: ${reseller}\ndomain: "${srv.host}"\ncurrency: USD\nrate_limit: { concurrency: 1, delay_ms: 0 }\nlistings:\n  - { sku: ${sku}, url: "${srv.origin}${p}" }\n`;

  it('names the line of an unknown reseller', async () => {
    const dir = tmpDir({ 'nine.yaml': shop('Shop Nine', 'A-1', '/p/a') });
    const { problems } = await resolveSiteRefs(h.db, loadSites(dir).sites);
    expect(problems).toEqual([
      {
        file: expect.stringContaining('nine.yaml'),
        line: 1,
        field: 'reseller',
        message: expect.stringMatching(/unknown reseller "Shop Nine"/),
      },
    ]);
  });

  it('crawls the valid sites when another names an unknown SKU or reseller, and reports the broken ones', async () => {
    const dir = tmpDir({
      'good.yaml': shop('Shop One', 'A-1', '/p/a'),
      'unknown-sku.yaml': shop('Shop One', 'ZZ-9', '/p/b'),
      'unknown-reseller.yaml': shop('Shop Nine', 'B-2', '/p/b'),
    });
    const summary = await crawlNow(
      { db: h.db, policy: loadPolicy({}), fetchOptions: { allowPrivate: ['127.0.0.1'], timeoutMs: 5000 } },
      loadSites(dir).sites,
    );
    expect(summary.checked).toBe(1);
    expect(summary.results.map((r) => [r.site, r.sku, r.draft.status])).toEqual([['good', 'A-1', 'ok']]);
    expect(summary.skipped).toEqual([
      expect.objectContaining({
        file: expect.stringContaining('unknown-reseller.yaml'),
        line: 1,
        field: 'reseller',
      }),
      expect.objectContaining({
        file: expect.stringContaining('unknown-sku.yaml'),
        line: 6,
        field: 'listings[0].sku',
        message: expect.stringMatching(/unknown SKU "ZZ-9"/),
      }),
    ]);
    expect((await h.db.selectFrom('sites').select('name').execute()).map((s) => s.name)).toEqual(['good']);
    const again = await syncValidSites(h.db, loadSites(dir).sites);
    expect(again.synced.map((s) => s.site.name)).toEqual(['good']);
  });

  it('syncs a site with more listings than one statement can bind (13,108), and re-syncs it', async () => {
    const n = 13_108;
    const skus = Array.from({ length: n }, (_, i) => `BULK-${i}`);
    const dir = tmpDir({
      'products.csv': `sku,name\n${skus.map((s) => `${s},Bulk ${s}`).join('\n')}\n`,
      'bulk.yaml': 'reseller: Shop One\ndomain: bulk.example\ncurrency: USD\nlistings_csv: bulk.csv\n',
      'bulk.csv': `sku,url\n${skus.map((s) => `${s},https://bulk.example/p/${s}`).join('\n')}\n`,
    });
    await importProducts(h.db, path.join(dir, 'products.csv'));
    const loaded = loadSiteFile(path.join(dir, 'bulk.yaml'));
    expect(loaded.problems).toEqual([]);
    for (let round = 0; round < 2; round++) {
      const { synced, skipped } = await syncValidSites(h.db, [loaded.site!]);
      expect(skipped).toEqual([]);
      expect(synced[0]!.listings).toHaveLength(n);
    }
    const active = await h.db
      .selectFrom('listings')
      .innerJoin('sites', 'sites.id', 'listings.site_id')
      .where('sites.name', '=', 'bulk')
      .where('listings.active', '=', true)
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(active.n)).toBe(n);
  });
});
