import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importProducts } from '../src/catalog/import-products.js';
import { importResellers } from '../src/catalog/import-resellers.js';
import { loadSiteFile, loadSites } from '../src/config/load-sites.js';
import { resolveSiteRefs, syncSites } from '../src/config/sync-sites.js';
import type { DbHandle } from '../src/db/connect.js';
import { InputError } from '../src/errors.js';
import { BACKENDS, openTestDb } from './support/db.js';
import { tmpDir } from './support/tmp.js';

const good = `reseller: Shop One
domain: shop.example
currency: usd
listings:
  - sku: A-1
    url: https://shop.example/p/a1
  - { sku: B-2, url: "https://www.shop.example/p/b2", pack_size: 2 }
`;

describe('site config files', () => {
  it('loads a valid config with defaults, frozen, without selectors', () => {
    const dir = tmpDir({ 'shop-one.yaml': good });
    const { site, problems } = loadSiteFile(path.join(dir, 'shop-one.yaml'));
    expect(problems).toEqual([]);
    expect(site!.name).toBe('shop-one');
    expect(site!.config).toMatchObject({
      currency: 'USD',
      render: 'static',
      rate_limit: { concurrency: 1, delay_ms: 2000 },
      respect_robots: true,
    });
    expect(site!.listings.map((l) => [l.sku, l.pack_size])).toEqual([
      ['A-1', 1],
      ['B-2', 2],
    ]);
    expect(Object.isFrozen(site!.config)).toBe(true);
    expect(site!.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('reports invalid YAML with its line', () => {
    const dir = tmpDir({ 'broken.yaml': 'reseller: Shop\ndomain: [unclosed\ncurrency: USD\n' });
    const { site, problems } = loadSiteFile(path.join(dir, 'broken.yaml'));
    expect(site).toBeUndefined();
    expect(problems[0]).toMatchObject({
      file: expect.stringContaining('broken.yaml'),
      message: expect.stringMatching(/invalid YAML/),
    });
    expect(problems[0]!.line).toBeGreaterThanOrEqual(2);
  });

  it('reports each bad field with its path and line', () => {
    const dir = tmpDir({
      'bad.yaml': `reseller: Shop One
domain: shop.example
currency: DOLLARS
render: headless
colour: blue
listings:
  - sku: A-1
    url: not-a-url
  - sku: B-2
    url: https://elsewhere.example/p
    pack_size: 0
`,
    });
    const { problems } = loadSiteFile(path.join(dir, 'bad.yaml'));
    const byField = Object.fromEntries(problems.map((p) => [p.field ?? '(root)', p]));
    expect(byField['currency']).toMatchObject({ line: 3, message: expect.stringMatching(/ISO 4217/) });
    expect(byField['render']).toMatchObject({ line: 4 });
    expect(byField['(root)']?.message ?? byField['colour']?.message).toMatch(/colour/);
    expect(byField['listings[0].url']).toMatchObject({ line: 8 });
    expect(byField['listings[1].pack_size']).toMatchObject({ line: 11 });
  });

  it('reads listings from a CSV next to the config and locates its bad rows', () => {
    const dir = tmpDir({
      'a.yaml': 'reseller: R\ndomain: shop.example\ncurrency: EUR\nlistings_csv: a-listings.csv\n',
      'a-listings.csv': 'sku,url,pack_size\nA-1,https://shop.example/1,\nB-2,https://shop.example/2,3\n',
      'b.yaml': 'reseller: R\ndomain: shop.example\ncurrency: EUR\nlistings_csv: b-listings.csv\n',
      'b-listings.csv': 'sku,url\nA-1,ftp://shop.example/1\nB-2,https://other.example/2\n',
      'c.yaml': 'reseller: R\ndomain: shop.example\ncurrency: EUR\nlistings_csv: missing.csv\n',
    });
    const { sites, problems } = loadSites(dir);
    expect(sites.map((s) => s.name)).toEqual(['a']);
    expect(sites[0]!.listings.map((l) => [l.sku, l.pack_size])).toEqual([
      ['A-1', 1],
      ['B-2', 3],
    ]);
    expect(problems.map((p) => [path.basename(p.file), p.line, p.column ?? p.field])).toEqual([
      ['b-listings.csv', 2, 'url'],
      ['b-listings.csv', 3, 'url'],
      ['c.yaml', 4, 'listings_csv'],
    ]);
  });

  it('refuses two configs with the same site name', () => {
    const dir = tmpDir({ 'x/one.yaml': `name: dup\n${good}`, 'y/two.yaml': `name: dup\n${good}` });
    const { sites, problems } = loadSites(dir);
    expect(sites).toHaveLength(1);
    expect(problems).toEqual([
      expect.objectContaining({ field: 'name', message: expect.stringMatching(/already used/) }),
    ]);
  });
});

// The server when it answers, else the embedded database.
describe(`site configs against the database (${BACKENDS[0]})`, () => {
  let h: DbHandle;
  beforeAll(async () => {
    h = await openTestDb(BACKENDS[0]!);
    const d = tmpDir({ 'p.csv': 'sku,name\nA-1,Alpha\nB-2,Beta\n', 'r.csv': 'name\nShop One\n' });
    await importProducts(h.db, path.join(d, 'p.csv'));
    await importResellers(h.db, path.join(d, 'r.csv'));
  });
  afterAll(async () => h?.close());

  it('names the file, line and field of an unknown SKU or reseller, and syncs nothing', async () => {
    const dir = tmpDir({ 'shop.yaml': good.replace('B-2', 'ZZ-9').replace('Shop One', 'Shop Nine') });
    const { sites } = loadSites(dir);
    const { problems } = await resolveSiteRefs(h.db, sites);
    expect(problems).toEqual([
      expect.objectContaining({ field: 'reseller', message: expect.stringMatching(/unknown reseller "Shop Nine"/) }),
      expect.objectContaining({
        field: 'listings[1].sku',
        line: 7,
        message: expect.stringMatching(/unknown SKU "ZZ-9"/),
      }),
    ]);
    await expect(syncSites(h.db, sites)).rejects.toBeInstanceOf(InputError);
    expect(await h.db.selectFrom('sites').selectAll().execute()).toEqual([]);
  });

  it('syncs sites and listings, and deactivates listings removed from the config', async () => {
    const dir = tmpDir({ 'shop.yaml': good });
    const first = await syncSites(h.db, loadSites(dir).sites);
    expect(first[0]!.listings).toHaveLength(2);
    const dir2 = tmpDir({ 'shop.yaml': good.split('  - { sku: B-2')[0]! });
    await syncSites(h.db, loadSites(dir2).sites);
    const rows = await h.db.selectFrom('listings').select(['url', 'active']).orderBy('url').execute();
    expect(rows).toEqual([
      { url: 'https://shop.example/p/a1', active: true },
      { url: 'https://www.shop.example/p/b2', active: false },
    ]);
  });
});
