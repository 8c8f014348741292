import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbHandle } from '../src/db/connect.js';
import fs from 'node:fs';
import { migrateAllDown, migrateToLatest } from '../src/db/migrate.js';
import { BACKENDS, openTestDb } from './support/db.js';

describe.each(BACKENDS)('schema on %s', (backend) => {
  let h: DbHandle;
  beforeAll(async () => {
    h = await openTestDb(backend);
  });
  afterAll(async () => h?.close());

  async function product(sku: string): Promise<number> {
    const r = await h.db.insertInto('products').values({ sku, name: sku }).returning('id').executeTakeFirstOrThrow();
    return r.id;
  }

  it('returns bigint columns as numbers, the same on every backend', async () => {
    const id = await product('INT8');
    const row = await h.db
      .insertInto('map_prices')
      .values({
        product_id: id,
        currency: 'USD',
        map_minor: 9_007_199_254_740_991,
        list_minor: null,
        effective_from: new Date('2026-01-01T00:00:00Z'),
      })
      .returning(['map_minor', 'effective_from'])
      .executeTakeFirstOrThrow();
    expect(row.map_minor).toBe(9_007_199_254_740_991);
    expect(row.effective_from).toBeInstanceOf(Date);
  });

  it('refuses overlapping MAP windows for one product and currency', async () => {
    const id = await product('OVERLAP');
    const base = { product_id: id, map_minor: 1000, list_minor: null };
    await h.db
      .insertInto('map_prices')
      .values({
        ...base,
        currency: 'USD',
        effective_from: '2026-01-01T00:00:00Z',
        effective_to: '2026-07-01T00:00:00Z',
      })
      .execute();
    // adjacent window (half-open) is fine, another currency is fine
    await h.db
      .insertInto('map_prices')
      .values({ ...base, currency: 'USD', effective_from: '2026-07-01T00:00:00Z', effective_to: null })
      .execute();
    await h.db
      .insertInto('map_prices')
      .values({ ...base, currency: 'EUR', effective_from: '2026-03-01T00:00:00Z', effective_to: null })
      .execute();
    await expect(
      h.db
        .insertInto('map_prices')
        .values({
          ...base,
          currency: 'USD',
          effective_from: '2026-06-30T00:00:00Z',
          effective_to: '2026-08-01T00:00:00Z',
        })
        .execute(),
    ).rejects.toThrow(/map_prices_no_overlap/);
  });

  it('allows only one open case per listing, and keeps case events append-only', async () => {
    const pid = await product('CASE');
    const { id: rid } = await h.db
      .insertInto('resellers')
      .values({ name: 'R' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const { id: sid } = await h.db
      .insertInto('sites')
      .values({ name: 's', reseller_id: rid, domain: 'x.test', config_hash: 'h' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const { id: lid } = await h.db
      .insertInto('listings')
      .values({ site_id: sid, product_id: pid, url: 'http://x.test/p' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const now = new Date();
    const c = {
      listing_id: lid,
      severity: 'low',
      currency: 'USD',
      map_minor: 100,
      lowest_minor: 90,
      last_minor: 90,
      first_seen_at: now,
      last_seen_at: now,
    };
    const { id: caseId } = await h.db
      .insertInto('cases')
      .values({ ...c, status: 'open' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await expect(
      h.db
        .insertInto('cases')
        .values({ ...c, status: 'notified' })
        .execute(),
    ).rejects.toThrow(/cases_one_open_per_listing/);
    await h.db
      .insertInto('cases')
      .values({ ...c, status: 'resolved' })
      .execute(); // closed ones don't count
    await h.db.insertInto('case_events').values({ case_id: caseId, kind: 'opened', detail: '{}' }).execute();
    await expect(h.db.updateTable('case_events').set({ kind: 'note' }).execute()).rejects.toThrow(/append-only/);
    await expect(h.db.deleteFrom('case_events').execute()).rejects.toThrow(/append-only/);
  });

  it('migrates all the way down and up again', async () => {
    const all = fs
      .readdirSync(new URL('../migrations/', import.meta.url))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => f.replace(/\.ts$/, ''))
      .sort();
    expect(await migrateAllDown(h.db, h.schema)).toEqual([...all].reverse());
    const t = await sql<{
      n: number;
    }>`select count(*)::int as n from information_schema.tables where table_schema = ${h.schema} and table_name = 'products'`.execute(
      h.db,
    );
    expect(t.rows[0]!.n).toBe(0);
    expect(await migrateToLatest(h.db, h.schema)).toEqual(all);
  });
});
