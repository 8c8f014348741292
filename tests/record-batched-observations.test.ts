/**
 * Reads that change no case are written in batches (issue 15); cases stay transactional. On a
 * real database: a batch is one statement whose ids come back in order; a listing with an open
 * case, a read key already stored and a row the database refuses all leave the batch and take
 * the transactional path, where the case effect, the stored row or the error belongs to that
 * read alone; close() writes what is buffered.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { observationValues, recordObservation } from '../src/cases/record-observation.js';
import { ObservationBatch } from '../src/check/batch-observations.js';
import { recordRead } from '../src/check/record-read.js';
import { compareToMap } from '../src/compare/compare-to-map.js';
import type { DbHandle } from '../src/db/connect.js';
import type { ObservationDraft } from '../src/types.js';
import { BACKENDS, openTestDb } from './support/db.js';

const policy = {
  resolveAfter: 3,
  severityOrder: ['low', 'medium', 'high'],
  tolerance: { percent: null, absMinor: null },
  severityBands: [{ name: 'low', minPercentBelow: 0 }],
};

function draftAt(at: Date, price: number): ObservationDraft {
  return {
    capturedAt: at,
    status: 'ok',
    reason: null,
    offer: { amount: (price / 100).toFixed(2), currency: 'USD', source: 'json-ld', raw: `$${price / 100}` },
    amountMinor: price,
    currency: 'USD',
    httpStatus: 200,
    finalUrl: 'https://shop.example/p',
    contentSha256: 'ab'.repeat(32),
    retryable: false,
  } as ObservationDraft;
}

const verdictOf = (d: ObservationDraft) =>
  compareToMap({
    observed: { amountMinor: d.amountMinor!, currency: 'USD', capturedAt: d.capturedAt },
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

describe.each(BACKENDS)('batched observations (%s)', (backend) => {
  let h: DbHandle;
  let siteId = 0;
  const listings: number[] = [];
  let t = Date.parse('2026-03-01T00:00:00Z');
  const next = () => new Date((t += 60_000));
  const row = (listingId: number, price: number, readKey?: string) => {
    const draft = draftAt(next(), price);
    return observationValues({ listingId, draft, verdict: verdictOf(draft), readKey });
  };

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
    for (const n of [1, 2, 3, 4]) {
      const l = await h.db
        .insertInto('listings')
        .values({ site_id: siteId, product_id: p.id, url: `https://shop.example/amp-${n}` })
        .returning('id')
        .executeTakeFirstOrThrow();
      listings.push(l.id);
    }
  });
  afterAll(() => h?.close());

  it('writes a full batch in one statement, each read getting its own row id', async () => {
    const batch = new ObservationBatch(h.db, { maxRows: 3, maxWaitMs: 60_000 });
    const rows = [row(listings[0]!, 10500, 'k:1'), row(listings[1]!, 10600, 'k:2'), row(listings[2]!, 10700)];
    const ids = await Promise.all(rows.map((r) => batch.add(r)));
    expect(batch.stats).toEqual({ batches: 1, rows: 3 });
    for (const [i, id] of ids.entries()) {
      expect(id).not.toBeNull();
      const stored = await h.db
        .selectFrom('observations')
        .select(['listing_id', 'amount_minor', 'read_key', 'verdict', 'verdict_detail'])
        .where('id', '=', id!)
        .executeTakeFirstOrThrow();
      expect(stored).toMatchObject({
        listing_id: rows[i]!.listing_id,
        amount_minor: rows[i]!.amount_minor,
        read_key: rows[i]!.read_key,
        verdict: 'compliant',
      });
      expect(stored.verdict_detail).toMatchObject({ kind: 'compliant' }); // jsonb, not a quoted string
    }
  });

  it('leaves out a listing with an open case and a read key already stored', async () => {
    const listingId = listings[3]!;
    const opened = draftAt(next(), 8000);
    await recordObservation(h.db, { listingId, siteId, draft: opened, verdict: verdictOf(opened), policy });
    const batch = new ObservationBatch(h.db, { maxRows: 3, maxWaitMs: 60_000 });
    const ids = await Promise.all([
      batch.add(row(listingId, 10500)), // the open case must see this clean read
      batch.add(row(listings[0]!, 10500, 'k:1')), // stored by the first test
      batch.add(row(listings[1]!, 10900)),
    ]);
    expect(ids[0]).toBeNull();
    expect(ids[1]).toBeNull();
    expect(ids[2]).not.toBeNull();
  });

  it('recordRead takes the transactional path for what the batch leaves out', async () => {
    const batch = new ObservationBatch(h.db, { maxRows: 1 });
    const ctx = { db: h.db, policy, observationBatch: batch };
    const ref = { listingId: listings[3]!, siteId, site: 'shop', reseller: 'Shop', sku: 'AMP' };
    const clean = draftAt(next(), 10500);
    const onCase = await recordRead(ctx, {
      listing: ref,
      read: { draft: clean, capture: null, findings: [] },
      verdict: verdictOf(clean),
      suppressed: false,
    });
    expect(onCase.outcome).toMatchObject({ action: 'updated' }); // the clean streak moved
    const quiet = draftAt(next(), 10500);
    const again = await recordRead(ctx, {
      listing: { ...ref, listingId: listings[0]! },
      read: { draft: quiet, capture: null, findings: [] },
      verdict: verdictOf(quiet),
      readKey: 'k:1',
      suppressed: false,
    });
    const first = await h.db
      .selectFrom('observations')
      .select('id')
      .where('read_key', '=', 'k:1')
      .executeTakeFirstOrThrow();
    expect(again).toMatchObject({ duplicate: true, observationId: first.id });
    expect(batch.stats.rows).toBe(0);
  });

  it('a row the database refuses costs the others nothing', async () => {
    const batch = new ObservationBatch(h.db, { maxRows: 2, maxWaitMs: 60_000 });
    const bad = { ...row(listings[1]!, 10500), amount_minor: null }; // `ok` without a price breaks a check
    const ids = await Promise.all([batch.add(bad), batch.add(row(listings[2]!, 10500))]);
    expect(ids).toEqual([null, null]); // both go their own way; only the bad one fails there
    expect(batch.stats.batches).toBe(0);
  });

  it('close() writes what is buffered, and later reads go the transactional way', async () => {
    const batch = new ObservationBatch(h.db, { maxRows: 100, maxWaitMs: 60_000 });
    const pending = batch.add(row(listings[2]!, 11000, 'k:close'));
    await batch.close();
    const id = await pending;
    expect(id).not.toBeNull();
    const stored = await h.db
      .selectFrom('observations')
      .select('id')
      .where('read_key', '=', 'k:close')
      .executeTakeFirst();
    expect(stored?.id).toBe(id);
    expect(await batch.add(row(listings[2]!, 11000))).toBeNull();
  });
});
