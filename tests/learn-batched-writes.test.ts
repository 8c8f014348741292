/**
 * Learning reads derive the site's locator from its latest samples kept in memory (read from the
 * database once per site) and write their samples and locators in batches (issue 15:
 * write-learning.ts, sample-windows.ts). What ends in the database is what deriveLocator picks
 * over the site's latest samples, this process's and those already stored alike.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbHandle } from '../src/db/connect.js';
import { learnFromRead } from '../src/learn/learn-price-locator.js';
import { flushLearning } from '../src/learn/write-learning.js';
import { preloadSampleWindows } from '../src/learn/sample-windows.js';
import type { ObservationDraft } from '../src/types.js';
import { BACKENDS, openTestDb } from './support/db.js';
import { seedCatalog } from './support/queue.js';

const page = (cls: string, price: string) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>W</title></head><body>
<main><h1>Widget</h1><div class="box"><span class="${cls}">$${price}</span><button>Add</button></div></main></body></html>`;

const draft = (cls: string, price: string, at: Date): ObservationDraft =>
  ({
    capturedAt: at,
    status: 'ok',
    reason: null,
    amountMinor: Math.round(Number(price) * 100),
    currency: 'USD',
    html: page(cls, price),
    httpStatus: 200,
    finalUrl: 'http://shop.test/p',
    contentSha256: 'ab'.repeat(32),
    retryable: false,
  }) as ObservationDraft;

describe.each(BACKENDS)('learning reads written in batches (%s)', (backend) => {
  let h: DbHandle;
  let productId = 0;
  let resellerId = 0;

  const site = async (name: string, listings: number) => {
    const { id } = await h.db
      .insertInto('sites')
      .values({ name, reseller_id: resellerId, domain: `${name}.test`, config_hash: 'x' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const rows = await h.db
      .insertInto('listings')
      .values(
        Array.from({ length: listings }, (_, i) => ({
          site_id: id,
          product_id: productId,
          url: `http://${name}.test/${i}`,
        })),
      )
      .returning('id')
      .execute();
    return { id, listings: rows.map((r) => r.id) };
  };
  const sample = (siteId: number, listingId: number, selectors: string[], at: Date) =>
    h.db
      .insertInto('price_locator_samples')
      .values({
        site_id: siteId,
        listing_id: listingId,
        amount_minor: 100,
        currency: 'USD',
        selectors: JSON.stringify(selectors),
        at,
      })
      .execute();
  const locator = (siteId: number) =>
    h.db.selectFrom('price_locators').selectAll().where('site_id', '=', siteId).executeTakeFirst();

  beforeAll(async () => {
    h = await openTestDb(backend);
    await seedCatalog(h, ['W']);
    productId = (await h.db.selectFrom('products').select('id').executeTakeFirstOrThrow()).id;
    resellerId = (await h.db.selectFrom('resellers').select('id').executeTakeFirstOrThrow()).id;
  });
  afterAll(() => h?.close());

  it('keeps the sample and writes the locator the latest samples share', async () => {
    const s = await site('plain', 3);
    const past = new Date(Date.now() - 60_000);
    await sample(s.id, s.listings[1]!, ['.y-price', 'span.y-price'], past);
    await sample(s.id, s.listings[2]!, ['.y-price', 'span.y-price', '.box .y-price'], past);
    const at = new Date();
    const r = await learnFromRead(h.db, {
      siteId: s.id,
      listingId: s.listings[0]!,
      draft: draft('y-price', '12.00', at),
      trustworthy: true,
    });
    expect(r?.locator).toEqual({ selector: '.y-price', verified: 3 });
    await flushLearning(h.db);
    expect(await locator(s.id)).toMatchObject({ selector: '.y-price', verified_listings: 3, misses: 0 });
    const kept = await h.db
      .selectFrom('price_locator_samples')
      .select(['amount_minor', 'selectors'])
      .where('listing_id', '=', s.listings[0]!)
      .executeTakeFirstOrThrow();
    expect(kept.amount_minor).toBe(1200);
    expect(kept.selectors).toContain('.y-price');
  });

  it('writes what deriveLocator picks when newer samples leave this one out', async () => {
    const s = await site('newer', 11);
    const future = new Date(Date.now() + 3_600_000);
    for (const l of s.listings.slice(1)) await sample(s.id, l, ['.x-price'], future);
    const r = await learnFromRead(h.db, {
      siteId: s.id,
      listingId: s.listings[0]!,
      draft: draft('y-price', '12.00', new Date()),
      trustworthy: true,
    });
    // The ten newer samples share .x-price; this page has none and is not among the latest ten.
    expect(r?.locator).toEqual({ selector: '.x-price', verified: 10 });
    await flushLearning(h.db);
    expect(await locator(s.id)).toMatchObject({ selector: '.x-price', verified_listings: 10 });
  });

  it('writes nothing until the batch is written, then every sample and locator in it', async () => {
    const a = await site('batch-a', 3);
    const b = await site('batch-b', 3);
    const at = new Date();
    const learned = [];
    for (const s of [a, b])
      for (const [i, l] of s.listings.entries())
        learned.push(
          await learnFromRead(h.db, {
            siteId: s.id,
            listingId: l,
            draft: draft('z-price', `${10 + i}.00`, at),
            trustworthy: true,
          }),
        );
    // The third listing of each site derives the locator at once, from memory.
    expect(learned.map((r) => r?.locator?.verified ?? null)).toEqual([null, null, 3, null, null, 3]);
    const selector = learned[2]!.locator!.selector;
    expect(learned[5]!.locator!.selector).toBe(selector);
    const stored = () =>
      h.db
        .selectFrom('price_locator_samples')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('site_id', 'in', [a.id, b.id])
        .executeTakeFirstOrThrow();
    expect(Number((await stored()).n)).toBe(0);
    await flushLearning(h.db);
    expect(Number((await stored()).n)).toBe(6);
    expect(await locator(a.id)).toMatchObject({ selector, verified_listings: 3, misses: 0 });
    expect(await locator(b.id)).toMatchObject({ selector, verified_listings: 3, misses: 0 });
  });

  it('a sample the database refuses costs the others in its batch nothing', async () => {
    const s = await site('refused', 2);
    const at = new Date();
    await learnFromRead(h.db, {
      siteId: s.id,
      listingId: s.listings[0]!,
      draft: draft('w-price', '5.00', at),
      trustworthy: true,
    });
    // A listing that no longer exists (deleted while its read was in flight).
    await learnFromRead(h.db, {
      siteId: s.id,
      listingId: 2_000_000_000,
      draft: draft('w-price', '6.00', at),
      trustworthy: true,
    });
    await flushLearning(h.db);
    const rows = await h.db
      .selectFrom('price_locator_samples')
      .select('listing_id')
      .where('site_id', '=', s.id)
      .execute();
    expect(rows.map((r) => r.listing_id)).toEqual([s.listings[0]]);
  });

  it('reading the windows again keeps what this process learned and has not written yet', async () => {
    const s = await site('merged', 3);
    const at = new Date();
    const read = (i: number) =>
      learnFromRead(h.db, {
        siteId: s.id,
        listingId: s.listings[i]!,
        draft: draft('v-price', `${20 + i}.00`, new Date(at.getTime() + i)),
        trustworthy: true,
      });
    await read(0);
    const stored = await h.db
      .selectFrom('price_locator_samples')
      .select('listing_id')
      .where('site_id', '=', s.id)
      .execute();
    expect(stored).toEqual([]); // still queued
    await preloadSampleWindows(h.db, [s.id]); // as the next sweep page does
    await read(1);
    // The first listing's sample is still in the window: three listings derive the locator.
    expect((await read(2))?.locator?.verified).toBe(3);
    await flushLearning(h.db);
  });
});
