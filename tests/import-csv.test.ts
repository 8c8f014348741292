import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importMapPrices } from '../src/catalog/import-map-prices.js';
import { importProducts } from '../src/catalog/import-products.js';
import { importPromos } from '../src/catalog/import-promos.js';
import { importResellers } from '../src/catalog/import-resellers.js';
import type { DbHandle } from '../src/db/connect.js';
import { InputError } from '../src/errors.js';
import { BACKENDS, openTestDb } from './support/db.js';
import { tmpDir } from './support/tmp.js';

async function problemsOf(p: Promise<unknown>) {
  try {
    await p;
  } catch (err) {
    if (err instanceof InputError) return err.problems;
    throw err;
  }
  throw new Error('expected an InputError');
}

describe.each(BACKENDS)('CSV import on %s', (backend) => {
  let h: DbHandle;
  const dir = tmpDir({
    'products.csv': 'sku,name,brand,gtin,pack_size\nA-1,Alpha,Acme,0850012345017,1\nB-2,"Beta, two-pack",Acme,,2\n',
    'resellers.csv':
      'name,tier,region,contact_email,authorized\nShop One,gold,US,a@shop.example,true\nShop Two,,EU,,no\n',
    'map.csv':
      'sku,currency,map,list_price,effective_from,effective_to\nA-1,USD,199.00,229.00,2026-01-01,2026-07-01\nA-1,USD,189.00,,2026-07-01,\nA-1,JPY,25000,,2026-01-01,\nB-2,KWD,12.345,,2026-01-01T00:00:00Z,\n',
    'promos.csv':
      'sku,brand,kind,map,currency,percent_off,starts_at,ends_at,time_zone,note\nA-1,,lower,179.00,USD,,2026-11-27,2026-12-01,America/New_York,Black Friday\n,Acme,suspend,,,,2026-12-24T00:00,2026-12-27T00:00,Europe/Berlin,\n',
  });
  const f = (name: string) => path.join(dir, name);

  beforeAll(async () => {
    h = await openTestDb(backend);
  });
  afterAll(async () => h?.close());

  it('imports products, resellers, MAP windows and promos, and re-imports idempotently', async () => {
    for (let round = 0; round < 2; round++) {
      expect(await importProducts(h.db, f('products.csv'))).toEqual({ rows: 2 });
      expect(await importResellers(h.db, f('resellers.csv'))).toEqual({ rows: 2 });
      expect(await importMapPrices(h.db, f('map.csv'))).toEqual({ rows: 4 });
      expect(await importPromos(h.db, f('promos.csv'))).toEqual({ rows: 2 });
    }
    const products = await h.db
      .selectFrom('products')
      .select(['sku', 'name', 'pack_size', 'gtin'])
      .orderBy('sku')
      .execute();
    expect(products).toEqual([
      { sku: 'A-1', name: 'Alpha', pack_size: 1, gtin: '0850012345017' },
      { sku: 'B-2', name: 'Beta, two-pack', pack_size: 2, gtin: null },
    ]);
    const maps = await h.db
      .selectFrom('map_prices')
      .select(['currency', 'map_minor', 'list_minor'])
      .orderBy('id')
      .execute();
    // minor units use each currency's real exponent: JPY 0, KWD 3
    expect(maps).toEqual([
      { currency: 'USD', map_minor: 19900, list_minor: 22900 },
      { currency: 'USD', map_minor: 18900, list_minor: null },
      { currency: 'JPY', map_minor: 25000, list_minor: null },
      { currency: 'KWD', map_minor: 12345, list_minor: null },
    ]);
    const resellers = await h.db
      .selectFrom('resellers')
      .select(['name', 'authorized', 'contact_email'])
      .orderBy('name')
      .execute();
    expect(resellers).toEqual([
      { name: 'Shop One', authorized: true, contact_email: 'a@shop.example' },
      { name: 'Shop Two', authorized: false, contact_email: null },
    ]);
    expect(
      await h.db.selectFrom('promo_windows').select(['kind', 'starts_at', 'time_zone']).orderBy('id').execute(),
    ).toEqual([
      { kind: 'lower', starts_at: '2026-11-27T00:00', time_zone: 'America/New_York' },
      { kind: 'suspend', starts_at: '2026-12-24T00:00', time_zone: 'Europe/Berlin' },
    ]);
  });

  it('reports a broken CSV with its file and line, and writes nothing', async () => {
    const d = tmpDir({ 'broken.csv': 'sku,name\nC-3,Gamma\nD-4,"unclosed\n' });
    const problems = await problemsOf(importProducts(h.db, path.join(d, 'broken.csv')));
    expect(problems[0]!.file).toContain('broken.csv');
    expect(problems[0]!.message).toMatch(/not valid CSV/);
    expect(await h.db.selectFrom('products').select('sku').where('sku', '=', 'C-3').execute()).toEqual([]);
  });

  it('names file, line and column for every bad cell, and is all or nothing', async () => {
    const d = tmpDir({
      'bad.csv': 'sku,name,gtin,pack_size\nE-5,Epsilon,,1\nF-6,Phi,12ab,0\n,Nameless,,\n',
      'cols.csv': 'sku,nmae\nX,Y\n',
    });
    const problems = await problemsOf(importProducts(h.db, path.join(d, 'bad.csv')));
    expect(problems.map((p) => [p.line, p.column])).toEqual([
      [3, 'gtin'],
      [3, 'pack_size'],
      [4, 'sku'],
    ]);
    expect(await h.db.selectFrom('products').select('sku').where('sku', '=', 'E-5').execute()).toEqual([]);
    const cols = await problemsOf(importProducts(h.db, path.join(d, 'cols.csv')));
    expect(cols.map((p) => `${p.column}: ${p.message}`)).toEqual([
      expect.stringMatching(/^nmae: unknown column/),
      'name: required column is missing',
    ]);
  });

  it('refuses an unknown SKU, a bad currency or amount, and an invalid email', async () => {
    const d = tmpDir({
      'map.csv': 'sku,currency,map,effective_from\nNOPE,USD,10.00,2026-01-01\n',
      'map2.csv':
        'sku,currency,map,effective_from\nA-1,XYZ,10.00,2026-01-01\nA-1,JPY,10.50,2026-01-01\nA-1,USD,"$1,000",2026-01-01\nA-1,USD,10.00,yesterday\n',
      'res.csv': 'name,contact_email\nShop Three,not-an-email\n',
    });
    const unknown = await problemsOf(importMapPrices(h.db, path.join(d, 'map.csv')));
    expect(unknown).toEqual([
      expect.objectContaining({ line: 2, column: 'sku', message: expect.stringMatching(/unknown SKU "NOPE"/) }),
    ]);
    const bad = await problemsOf(importMapPrices(h.db, path.join(d, 'map2.csv')));
    expect(bad.map((p) => [p.line, p.column])).toEqual([
      [2, 'currency'],
      [3, 'map'],
      [4, 'map'],
      [5, 'effective_from'],
    ]);
    const email = await problemsOf(importResellers(h.db, path.join(d, 'res.csv')));
    expect(email).toEqual([expect.objectContaining({ line: 2, column: 'contact_email' })]);
  });

  it('refuses overlapping MAP windows, in the file or against the database, keeping nothing of the file', async () => {
    const before = await h.db
      .selectFrom('map_prices')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    const d = tmpDir({
      'overlap-db.csv':
        'sku,currency,map,effective_from,effective_to\nB-2,EUR,5.00,2026-01-01,\nA-1,USD,150.00,2026-03-01,2026-04-01\n',
      'overlap-file.csv':
        'sku,currency,map,effective_from,effective_to\nB-2,USD,5.00,2026-01-01,2026-06-01\nB-2,USD,6.00,2026-05-01,\n',
    });
    const a = await problemsOf(importMapPrices(h.db, path.join(d, 'overlap-db.csv')));
    expect(a).toEqual([
      expect.objectContaining({
        line: 3,
        message: expect.stringMatching(/overlaps another MAP window for A-1 in USD/),
      }),
    ]);
    const b = await problemsOf(importMapPrices(h.db, path.join(d, 'overlap-file.csv')));
    expect(b).toEqual([expect.objectContaining({ line: 3, message: expect.stringMatching(/overlaps/) })]);
    const after = await h.db
      .selectFrom('map_prices')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    expect(after.n).toEqual(before.n); // the valid B-2 EUR row of the first file was rolled back too
  });

  it('reports a missing file clearly', async () => {
    await expect(importProducts(h.db, '/nonexistent/products.csv')).rejects.toThrow(
      '/nonexistent/products.csv: cannot read (ENOENT)',
    );
  });
});
