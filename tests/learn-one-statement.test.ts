/**
 * A learning read is one statement (issue 15): the sample, the site's latest samples and the
 * locator they share. deriveLocator still decides: when this read's sample is not among the
 * latest (other listings' samples are newer), the statement's pick can differ, and the
 * derived locator is what ends in the database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbHandle } from '../src/db/connect.js';
import { learnFromRead } from '../src/learn/learn-price-locator.js';
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

describe.each(BACKENDS)('a learning read in one statement (%s)', (backend) => {
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
    // The ten newer samples share .x-price; this page has none, so the statement picked nothing.
    expect(r?.locator).toEqual({ selector: '.x-price', verified: 10 });
    expect(await locator(s.id)).toMatchObject({ selector: '.x-price', verified_listings: 10 });
  });
});
