/**
 * Marketplace seller lists and grey-market reference data in the catalog (issue 16):
 * `mapwatch import authorized-sellers | seller-groups | brand-prefixes` and the products
 * CSV's dealer_cost. Every bad row is refused with file, line and column, and the CLI prints
 * it without a stack trace.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importAuthorizedSellers } from '../src/catalog/import-authorized-sellers.js';
import { importBrandPrefixes } from '../src/catalog/import-brand-prefixes.js';
import { importProducts } from '../src/catalog/import-products.js';
import { importResellers } from '../src/catalog/import-resellers.js';
import { importSellerGroups } from '../src/catalog/import-seller-groups.js';
import { loadMapRules } from '../src/catalog/load-map-rules.js';
import { sellerKeys, storefrontId } from '../src/catalog/seller-key.js';
import type { DbHandle } from '../src/db/connect.js';
import { InputError, formatProblem } from '../src/errors.js';
import { HAS_POSTGRES, openTestDb, POSTGRES_URL } from './support/db.js';
import { STACK_TRACE } from './support/cli.js';
import { tmpDir } from './support/tmp.js';

const ROOT = path.resolve(import.meta.dirname, '..');

async function problemsOf(p: Promise<unknown>): Promise<string[]> {
  try {
    await p;
  } catch (err) {
    if (err instanceof InputError) return err.problems.map(formatProblem);
    throw err;
  }
  throw new Error('expected an InputError');
}

describe('seller keys', () => {
  it('names a seller by storefront, id and name, and nothing fuzzier', () => {
    expect(storefrontId('https://Market.example/seller/A1B2?ref=x')).toBe('market.example:a1b2');
    expect(storefrontId('https://market.example/shops/bargain-bin/')).toBe('market.example:bargain-bin');
    expect(storefrontId('https://market.example/gp/aag/main?seller=A3XYZ&tab=1')).toBe('market.example:a3xyz');
    expect(storefrontId('https://market.example/about-us')).toBeNull();
    expect(
      sellerKeys({ name: '  Northwind\u3000Official ', id: 'NW-1', url: 'https://market.example/seller/NW1' }),
    ).toEqual(['url:market.example:nw1', 'id:nw-1', 'name:northwind official']);
    // A look-alike keeps its own key.
    expect(sellerKeys({ name: 'Northwind Official Store' })).toEqual(['name:northwind official store']);
  });
});

// A server leg: it needs the Postgres server (the importers' CLI run and the crawl write there). Without
// one it is reported as not run; CI sets MAPWATCH_REQUIRE_SERVERS, so there a missing server fails.
describe.skipIf(!HAS_POSTGRES)('catalog seller imports (postgres)', { timeout: 120_000 }, () => {
  let h: DbHandle;
  let dir: string;
  const f = (name: string) => path.join(dir, name);

  beforeAll(async () => {
    h = await openTestDb('postgres');
    dir = tmpDir({
      'products.csv':
        'sku,name,brand,gtin,dealer_cost,dealer_cost_currency\nHP-1,Headphones,Northwind,,,\nNW-F100,Filter,Northwind,,45.00,usd\nAC-1,Other,Acme,,,\n',
      'resellers.csv': 'name\nMegaMarket\nShopCo\n',
      'sellers.csv':
        'brand,seller,reseller,seller_id,storefront_url\n' +
        'Northwind,Northwind Official,,,https://market.example/seller/NWOFF\n' +
        'northwind,Gadget Hub,megamarket,GH-77,\n' +
        'Acme,Acme Direct,,,\n',
      'sellers-2.csv': 'brand,seller\nNorthwind,Northwind Official\n',
      'groups.csv':
        'group,seller,storefront_url\nNorthwind Direct,Northwind Official,https://market.example/seller/NWOFF\nNorthwind Direct,Northwind Outlet,https://market.example/seller/NWOUT\n',
      'prefixes.csv': 'brand,prefix\nNorthwind,0850012\nNorthwind,40063813\n',
      'bad-sellers.csv':
        'brand,seller,reseller,storefront_url\nNorthwnd,A,,\nNorthwind,,,\nNorthwind,B,NoSuchShop,\nNorthwind,C,,https://market.example/about\nNorthwind,D,,ftp://x/seller/1\n',
      'bad-groups.csv':
        'group,seller,storefront_url\nG1,Shop One,https://m.example/seller/S1\nG2,Shop Uno,https://m.example/seller/S1\n',
      'bad-prefixes.csv': 'brand,prefix\nNorthwind,85-0012\nNorthwind,0850012\nNorthwind,0850012\n',
      'bad-products.csv':
        'sku,name,dealer_cost,dealer_cost_currency\nX-1,X,45.00,\nX-2,X,,USD\nX-3,X,$45,USD\nX-4,X,45.001,USD\nX-5,X,0,USD\n',
      'extra-column.csv': 'brand,seller,tier\nNorthwind,A,gold\n',
    });
    await importProducts(h.db, f('products.csv'));
    await importResellers(h.db, f('resellers.csv'));
  });
  afterAll(async () => h?.close());

  it('stores dealer cost in minor units with its currency', async () => {
    const rows = await h.db
      .selectFrom('products')
      .select(['sku', 'dealer_cost_minor', 'dealer_cost_currency'])
      .orderBy('sku')
      .execute();
    expect(
      rows.map((r) => [
        r.sku,
        r.dealer_cost_minor === null ? null : Number(r.dealer_cost_minor),
        r.dealer_cost_currency,
      ]),
    ).toEqual([
      ['AC-1', null, null],
      ['HP-1', null, null],
      ['NW-F100', 4500, 'USD'],
    ]);
  });

  it('imports authorized sellers brand-wide and per reseller, and a re-import replaces the brand', async () => {
    expect(await importAuthorizedSellers(h.db, f('sellers.csv'))).toEqual({ rows: 3 });
    await importSellerGroups(h.db, f('groups.csv'));
    await importBrandPrefixes(h.db, f('prefixes.csv'));
    const ids = (await h.db.selectFrom('products').select(['id', 'sku']).execute()).sort((a, b) =>
      a.sku.localeCompare(b.sku),
    );
    const rules = await loadMapRules(
      h.db,
      ids.map((p) => p.id),
    );
    const hp = rules.get(ids.find((p) => p.sku === 'HP-1')!.id)!;
    expect(hp.authorizedSellers!.map((a) => [a.reseller, a.key]).sort()).toEqual(
      [
        [null, 'name:northwind official'],
        [null, 'url:market.example:nwoff'],
        ['megamarket', 'id:gh-77'],
        ['megamarket', 'name:gadget hub'],
      ].sort(),
    );
    expect(hp.gtinPrefixes!.sort()).toEqual(['0850012', '40063813']);
    expect(hp.sellerGroups!.get('url:market.example:nwout')).toBe('Northwind Direct');
    // Joined by storefront only: a look-alike with the same name is not in the group.
    expect(hp.sellerGroups!.get('name:northwind outlet')).toBeUndefined();
    const acme = rules.get(ids.find((p) => p.sku === 'AC-1')!.id)!;
    expect(acme.authorizedSellers!.map((a) => a.name)).toEqual(['Acme Direct']);

    // The second file names Northwind only: its list is replaced, Acme's is kept.
    await importAuthorizedSellers(h.db, f('sellers-2.csv'));
    const rows = await h.db
      .selectFrom('authorized_sellers')
      .select(['brand', 'seller_key'])
      .orderBy('seller_key')
      .execute();
    expect(rows).toEqual([
      { brand: 'Acme', seller_key: 'name:acme direct' },
      { brand: 'Northwind', seller_key: 'name:northwind official' },
    ]);
  });

  it('refuses bad seller rows, naming file, line and column, and writes nothing', async () => {
    const before = await h.db.selectFrom('authorized_sellers').selectAll().execute();
    const shape = await problemsOf(importAuthorizedSellers(h.db, f('bad-sellers.csv')));
    expect(shape).toEqual([
      expect.stringMatching(/bad-sellers\.csv, line 3, column "seller": is required \(the cell is empty\)/),
      expect.stringMatching(/line 6, column "storefront_url": must be an absolute http\(s\) URL/),
    ]);
    // With the shape fixed, the names and storefronts are checked against the catalog.
    const named = tmpDir({
      'x.csv':
        'brand,seller,reseller,storefront_url\nNorthwnd,A,,\nNorthwind,B,NoSuchShop,\nNorthwind,C,,https://market.example/about\n',
    });
    expect(await problemsOf(importAuthorizedSellers(h.db, path.join(named, 'x.csv')))).toEqual([
      expect.stringMatching(
        /line 4, column "storefront_url": "https:\/\/market\.example\/about" does not name a seller/,
      ),
    ]);
    const names = tmpDir({ 'y.csv': 'brand,seller,reseller\nNorthwnd,A,\nNorthwind,B,NoSuchShop\n' });
    expect(await problemsOf(importAuthorizedSellers(h.db, path.join(names, 'y.csv')))).toEqual([
      expect.stringMatching(/y\.csv, line 2, column "brand": unknown brand "Northwnd"/),
      expect.stringMatching(/y\.csv, line 3, column "reseller": unknown reseller "NoSuchShop"/),
    ]);
    expect(await problemsOf(importAuthorizedSellers(h.db, f('extra-column.csv')))).toEqual([
      expect.stringMatching(/line 1, column "tier": unknown column/),
    ]);
    expect(await h.db.selectFrom('authorized_sellers').selectAll().execute()).toEqual(before);
  });

  it('refuses a storefront in two groups, bad prefixes and a dealer cost without its currency', async () => {
    expect(await problemsOf(importSellerGroups(h.db, f('bad-groups.csv')))).toEqual([
      expect.stringMatching(
        /bad-groups\.csv, line 3, column "storefront_url": this seller is already in group "G1" \(line 2\)/,
      ),
    ]);
    expect(await problemsOf(importBrandPrefixes(h.db, f('bad-prefixes.csv')))).toEqual([
      expect.stringMatching(/line 2, column "prefix": must be a GS1 company prefix of 6 to 12 digits/),
    ]);
    const dup = tmpDir({ 'p.csv': 'brand,prefix\nNorthwind,0850012\nnorthwind,0850012\n' });
    expect(await problemsOf(importBrandPrefixes(h.db, path.join(dup, 'p.csv')))).toEqual([
      expect.stringMatching(/line 3, column "prefix": duplicate .* \(also on line 2\)/),
    ]);
    expect(await problemsOf(importProducts(h.db, f('bad-products.csv')))).toEqual([
      expect.stringMatching(/line 2, column "dealer_cost_currency": is required when dealer_cost is given/),
      expect.stringMatching(/line 3, column "dealer_cost": is empty but dealer_cost_currency is given/),
      expect.stringMatching(/line 4, column "dealer_cost": must be a plain decimal amount/),
      expect.stringMatching(/line 5, column "dealer_cost": "45\.001" has more decimals than USD allows/),
      expect.stringMatching(/line 6, column "dealer_cost": must be greater than 0/),
    ]);
  });

  it('`mapwatch import authorized-sellers` prints the problems without a stack trace', () => {
    const run = (args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/run.ts'), ...args], {
        cwd: ROOT,
        env: { ...process.env, DATABASE_URL: POSTGRES_URL, MAPWATCH_DB_SCHEMA: h.schema, MAPWATCH_DEBUG: '' },
        encoding: 'utf8',
        timeout: 60_000,
      });
    const bad = run(['import', 'authorized-sellers', f('bad-sellers.csv')]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/bad-sellers\.csv, line 6, column "storefront_url": must be an absolute http\(s\) URL/);
    expect(bad.stderr).not.toMatch(STACK_TRACE);
    const ok = run(['import', 'seller-groups', f('groups.csv')]);
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toContain(`Imported 2 seller groups row(s) from ${f('groups.csv')}.`);
  });
});
