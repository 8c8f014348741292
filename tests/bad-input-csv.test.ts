/**
 * CSV input that used to crash the import (internal error, no file or line) or be stored
 * wrongly without a word: each is now imported correctly or refused with file, line and column.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importMapPrices } from '../src/catalog/import-map-prices.js';
import { importProducts } from '../src/catalog/import-products.js';
import { importPromos } from '../src/catalog/import-promos.js';
import { importResellers } from '../src/catalog/import-resellers.js';
import type { DbHandle } from '../src/db/connect.js';
import { InputError, UserError } from '../src/errors.js';
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

describe.each(BACKENDS)('bad CSV input on %s', { timeout: 120_000 }, (backend) => {
  let h: DbHandle;
  let dir: string;
  const f = (name: string) => path.join(dir, name);

  beforeAll(async () => {
    h = await openTestDb(backend);
    dir = tmpDir({ 'catalog.csv': 'sku,name,brand\nA-1,Alpha,Acme\nB-2,Beta,Bolt Tools\n' });
    await importProducts(h.db, f('catalog.csv'));
  });
  afterAll(async () => h?.close());

  it('refuses a NUL byte in a cell, naming line and column, and writes nothing', async () => {
    fs.writeFileSync(f('nul.csv'), 'sku,name\nN-1,Fine\nN-2,Bad\0name\n');
    const problems = await problemsOf(importProducts(h.db, f('nul.csv')));
    expect(problems).toEqual([
      { file: f('nul.csv'), line: 3, column: 'name', message: expect.stringMatching(/NUL byte/) },
    ]);
    expect(await h.db.selectFrom('products').select('sku').where('sku', 'like', 'N-%').execute()).toEqual([]);
  });

  it('refuses a pack size the database cannot hold', async () => {
    fs.writeFileSync(f('pack.csv'), 'sku,name,pack_size\nP-1,Pallet,99999999999\n');
    const problems = await problemsOf(importProducts(h.db, f('pack.csv')));
    expect(problems).toEqual([
      { file: f('pack.csv'), line: 2, column: 'pack_size', message: 'must be at most 1,000,000' },
    ]);
  });

  it('imports more resellers than one statement can bind (13,108), in one transaction', async () => {
    const n = 13_108;
    const lines = Array.from({ length: n }, (_, i) => `Reseller ${i},gold,US,r${i}@shop.example,true`);
    fs.writeFileSync(f('resellers.csv'), `name,tier,region,contact_email,authorized\n${lines.join('\n')}\n`);
    expect(await importResellers(h.db, f('resellers.csv'))).toEqual({ rows: n });
    const { count } = await h.db
      .selectFrom('resellers')
      .select((eb) => eb.fn.countAll<string>().as('count'))
      .executeTakeFirstOrThrow();
    expect(Number(count)).toBe(n);
  });

  it('checks more SKUs than one statement can bind (65,536) and names every unknown one', async () => {
    const n = 65_536;
    const lines = Array.from({ length: n }, (_, i) => (i === 0 ? 'A-1' : `X-${i}`) + ',USD,10.00,2026-01-01');
    fs.writeFileSync(f('many-map.csv'), `sku,currency,map,effective_from\n${lines.join('\n')}\n`);
    const problems = await problemsOf(importMapPrices(h.db, f('many-map.csv')));
    expect(problems).toHaveLength(51); // the first 50, then how many more
    expect(problems[50]!.message).toBe('… and 65,485 more problem(s) like these');
    expect(problems[0]).toMatchObject({ line: 3, column: 'sku', message: expect.stringMatching(/unknown SKU "X-1"/) });
    expect(await h.db.selectFrom('map_prices').selectAll().execute()).toEqual([]);

    const promos = Array.from(
      { length: n },
      (_, i) => `${i === 0 ? 'A-1' : `X-${i}`},suspend,2026-11-27,2026-12-01,UTC`,
    );
    fs.writeFileSync(f('many-promos.csv'), `sku,kind,starts_at,ends_at,time_zone\n${promos.join('\n')}\n`);
    const promoProblems = await problemsOf(importPromos(h.db, f('many-promos.csv')));
    expect(promoProblems.map((p) => p.line).slice(0, 2)).toEqual([3, 4]);
    expect(promoProblems[50]!.message).toBe('… and 65,485 more problem(s) like these');
  });

  it('refuses a Latin-1 file read as UTF-8, and imports it with its encoding stated', async () => {
    const latin1 = Buffer.from('sku,name,brand\nL-1,Plain,Acme\nL-2,Caf\xe9 cr\xe8me,Acme\n', 'latin1');
    fs.writeFileSync(f('latin1.csv'), latin1);
    const problems = await problemsOf(importProducts(h.db, f('latin1.csv')));
    expect(problems).toEqual([
      { file: f('latin1.csv'), line: 3, column: 'name', message: expect.stringMatching(/not valid UTF-8/) },
    ]);
    expect(await h.db.selectFrom('products').select('name').where('sku', 'like', 'L-%').execute()).toEqual([]);

    expect(await importProducts(h.db, f('latin1.csv'), { encoding: 'windows-1252' })).toEqual({ rows: 2 });
    const names = await h.db.selectFrom('products').select('name').where('sku', '=', 'L-2').execute();
    expect(names).toEqual([{ name: 'Café crème' }]);
    await expect(importProducts(h.db, f('latin1.csv'), { encoding: 'klingon' })).rejects.toBeInstanceOf(UserError);
  });

  it('reads a UTF-16 file with a byte-order mark', async () => {
    const text = '\uFEFFsku,name\nU-1,Ünïcödé\n';
    fs.writeFileSync(f('utf16.csv'), Buffer.from(text, 'utf16le'));
    expect(await importProducts(h.db, f('utf16.csv'))).toEqual({ rows: 1 });
    expect(await h.db.selectFrom('products').select('name').where('sku', '=', 'U-1').execute()).toEqual([
      { name: 'Ünïcödé' },
    ]);
  });

  it('refuses impossible dates instead of rolling them over', async () => {
    fs.writeFileSync(
      f('dates.csv'),
      'sku,currency,map,effective_from,effective_to\nA-1,USD,10.00,2027-02-30,\nA-1,USD,10.00,2027-03-01,2027-03-01T24:00:00Z\nA-1,USD,10.00,2028-02-29,\n',
    );
    const problems = await problemsOf(importMapPrices(h.db, f('dates.csv')));
    expect(problems.map((p) => [p.line, p.column, p.message])).toEqual([
      [2, 'effective_from', '"2027-02-30" is not a real date or time (check the month, day and hour)'],
      [3, 'effective_to', '"2027-03-01T24:00:00Z" is not a real date or time (check the month, day and hour)'],
    ]);
    expect(await h.db.selectFrom('map_prices').selectAll().execute()).toEqual([]);
  });

  it('refuses a promo window on a date that does not exist', async () => {
    fs.writeFileSync(
      f('promo-dates.csv'),
      'sku,kind,starts_at,ends_at,time_zone\nA-1,suspend,2027-13-45,2027-14-01,UTC\nA-1,suspend,2027-02-28T09:61,2027-03-01,UTC\n',
    );
    const problems = await problemsOf(importPromos(h.db, f('promo-dates.csv')));
    expect(problems.map((p) => [p.line, p.column])).toEqual([
      [2, 'starts_at'],
      [2, 'ends_at'],
      [3, 'starts_at'],
    ]);
    expect(problems[0]!.message).toMatch(/"2027-13-45" is not a real date/);
    expect(await h.db.selectFrom('promo_windows').selectAll().execute()).toEqual([]);
  });

  it('refuses a promo for a brand no product carries, naming the line', async () => {
    fs.writeFileSync(
      f('brand.csv'),
      'brand,kind,starts_at,ends_at,time_zone\nAcme,suspend,2026-11-27,2026-12-01,UTC\nAcne,suspend,2026-11-27,2026-12-01,UTC\nbolt tools,suspend,2026-11-27,2026-12-01,UTC\n',
    );
    const problems = await problemsOf(importPromos(h.db, f('brand.csv')));
    expect(problems).toEqual([
      {
        file: f('brand.csv'),
        line: 3,
        column: 'brand',
        message: expect.stringMatching(/no product has the brand "Acne"/),
      },
      {
        file: f('brand.csv'),
        line: 4,
        column: 'brand',
        message: 'no product has the brand "bolt tools"; the catalog spells it "Bolt Tools"',
      },
    ]);
    expect(await h.db.selectFrom('promo_windows').selectAll().execute()).toEqual([]);
    fs.writeFileSync(
      f('brand-ok.csv'),
      'brand,kind,starts_at,ends_at,time_zone\nAcme,suspend,2026-11-27,2026-12-01,UTC\n',
    );
    expect(await importPromos(h.db, f('brand-ok.csv'))).toEqual({ rows: 1 });
  });
});
