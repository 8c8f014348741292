/**
 * The dashboard's rollup (src/kpis/roll-up-if-stale.ts): a view rolls up only when the
 * scheduled rollup is missing, older than its interval, or in another reporting time zone;
 * otherwise it shows the figures as of the last run and says when that was.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbHandle } from '../src/db/connect.js';
import { queryKpis } from '../src/kpis/query-kpis.js';
import { ROLLUP_MAX_AGE_MS, rollUpIfStale } from '../src/kpis/roll-up-if-stale.js';
import { BACKENDS, openTestDb } from './support/db.js';

describe.each(BACKENDS)('roll up when stale (%s)', (backend) => {
  let h: DbHandle;
  let listing: number;
  const t0 = new Date('2026-03-02T12:00:00Z');
  const minutes = (m: number) => new Date(t0.getTime() + m * 60_000);

  const addRead = (at: Date, verdict: 'compliant' | 'violation') =>
    h.db
      .insertInto('observations')
      .values({
        listing_id: listing,
        captured_at: at.toISOString(),
        status: 'ok',
        amount_minor: verdict === 'compliant' ? 10000 : 9000,
        currency: 'USD',
        verdict,
        normalized_minor: verdict === 'compliant' ? 10000 : 9000,
        map_minor: 10000,
      })
      .execute();
  const reads = async () =>
    (await queryKpis(h.db, { by: 'reseller', from: '2026-03-02', to: '2026-03-02' })).reduce(
      (n, r) => n + Number(r.sums.reads),
      0,
    );

  beforeAll(async () => {
    h = await openTestDb(backend);
    const p = await h.db
      .insertInto('products')
      .values({ sku: 'AMP', name: 'Amp' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const r = await h.db.insertInto('resellers').values({ name: 'Shop' }).returning('id').executeTakeFirstOrThrow();
    const s = await h.db
      .insertInto('sites')
      .values({ name: 'shop', reseller_id: r.id, domain: 'shop.example', config_hash: 'x' })
      .returning('id')
      .executeTakeFirstOrThrow();
    listing = (
      await h.db
        .insertInto('listings')
        .values({ site_id: s.id, product_id: p.id, url: 'https://shop.example/amp' })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
    await addRead(minutes(-60), 'compliant');
  });
  afterAll(async () => h?.close());

  it('rolls up the first time, then serves the last run until it is older than the schedule interval', async () => {
    const first = await rollUpIfStale(h.db, { timeZone: 'UTC', now: t0 });
    expect(first).toEqual({ asOf: t0, rolledUp: true });
    expect(await reads()).toBe(1);

    await addRead(minutes(1), 'violation');
    const soon = await rollUpIfStale(h.db, { timeZone: 'UTC', now: minutes(14) });
    expect(soon.rolledUp).toBe(false);
    expect(soon.asOf.getTime()).toBe(t0.getTime());
    expect(await reads()).toBe(1);

    const late = await rollUpIfStale(h.db, { timeZone: 'UTC', now: new Date(t0.getTime() + ROLLUP_MAX_AGE_MS) });
    expect(late.rolledUp).toBe(true);
    expect(await reads()).toBe(2);
  });

  it('rolls up at once when the reporting time zone changed, since every day boundary moved', async () => {
    const now = minutes(20);
    expect((await rollUpIfStale(h.db, { timeZone: 'UTC', now })).rolledUp).toBe(false);
    expect((await rollUpIfStale(h.db, { timeZone: 'Europe/Berlin', now })).rolledUp).toBe(true);
    expect((await rollUpIfStale(h.db, { timeZone: 'Europe/Berlin', now })).rolledUp).toBe(false);
  });
});
