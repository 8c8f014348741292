/**
 * A read older than the case's latest read (a delayed job, a backfilled import) must not
 * move the case: a stale clean read can't resolve it and a stale violation can't reset its
 * clean streak or move last_seen_at back. It still joins the audit trail, marked stale.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordObservation } from '../src/cases/record-observation.js';
import { compareToMap } from '../src/compare/compare-to-map.js';
import type { DbHandle } from '../src/db/connect.js';
import type { ObservationDraft } from '../src/types.js';
import { BACKENDS, openTestDb } from './support/db.js';

const policy = {
  resolveAfter: 2,
  severityOrder: ['low', 'medium', 'high'],
  tolerance: { percent: null, absMinor: null },
  severityBands: [{ name: 'low', minPercentBelow: 0 }],
};

describe.each(BACKENDS)('stale reads leave a case alone (%s)', (backend) => {
  let h: DbHandle;
  let listingId = 0;
  let siteId = 0;

  const read = async (at: string, price: number) => {
    const capturedAt = new Date(at);
    const draft: ObservationDraft = {
      capturedAt,
      status: 'ok',
      reason: null,
      offer: null,
      amountMinor: price,
      currency: 'USD',
      httpStatus: 200,
      finalUrl: null,
      contentSha256: null,
      retryable: false,
    };
    const verdict = compareToMap({
      observed: { amountMinor: price, currency: 'USD', capturedAt },
      listingPackSize: 1,
      productPackSize: 1,
      mapIncludesVat: false,
      mapPrices: [
        { currency: 'USD', mapMinor: 10000, effectiveFrom: new Date('2020-01-01T00:00:00Z'), effectiveTo: null },
      ],
      promos: [],
      tolerance: policy.tolerance,
      severityBands: policy.severityBands,
    });
    return recordObservation(h.db, { listingId, siteId, draft, verdict, policy });
  };
  const theCase = () =>
    h.db.selectFrom('cases').select(['status', 'clean_streak', 'last_seen_at', 'closed_at']).executeTakeFirstOrThrow();

  beforeAll(async () => {
    h = await openTestDb(backend);
    const p = await h.db
      .insertInto('products')
      .values({ sku: 'AMP', name: 'Amp' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const r = await h.db.insertInto('resellers').values({ name: 'Shop' }).returning('id').executeTakeFirstOrThrow();
    siteId = (
      await h.db
        .insertInto('sites')
        .values({ name: 'shop', reseller_id: r.id, domain: 'shop.example', config_hash: 'x' })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
    listingId = (
      await h.db
        .insertInto('listings')
        .values({ site_id: siteId, product_id: p.id, url: 'https://shop.example/amp' })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
  });
  afterAll(() => h?.close());

  it('a stale clean read does not count towards resolution', async () => {
    expect((await read('2026-03-02T10:00:00Z', 8500)).outcome).toMatchObject({ action: 'opened' });
    expect((await read('2026-03-02T11:00:00Z', 10000)).outcome).toMatchObject({ action: 'updated' });
    // Captured before the case's latest read: logged, streak stays 1, case stays open.
    expect((await read('2026-03-01T09:00:00Z', 10000)).outcome).toMatchObject({ action: 'logged' });
    const c = await theCase();
    expect(c).toMatchObject({ status: 'open', clean_streak: 1, closed_at: null });
    expect(new Date(c.last_seen_at).toISOString()).toBe('2026-03-02T11:00:00.000Z');
    const stale = await h.db
      .selectFrom('case_events')
      .select('detail')
      .where('kind', '=', 'observed')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect(stale.detail).toMatchObject({ stale: true });
  });

  it('a stale violation does not reset the clean streak; a fresh clean read resolves', async () => {
    expect((await read('2026-03-02T10:30:00Z', 8000)).outcome).toMatchObject({ action: 'logged' });
    expect((await theCase()).clean_streak).toBe(1);
    expect((await read('2026-03-02T12:00:00Z', 10000)).outcome).toMatchObject({ action: 'resolved' });
    const c = await theCase();
    expect(c.status).toBe('resolved');
    expect(new Date(c.closed_at!).toISOString()).toBe('2026-03-02T12:00:00.000Z');
  });
});
