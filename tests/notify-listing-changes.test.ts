/**
 * Ops alerts for discovery's listing changes: real discovery runs against a local storefront
 * (tests/support/discovery-store.ts) on Postgres, and the notifier's collection step. A run
 * with a new, a moved and a gone listing makes one outbox mail per ops address, with HTML and
 * text parts naming each; collecting again, a re-delivered run, and a lost "reported" mark
 * all queue nothing more; a run still going is not reported half-way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbHandle } from '../src/db/connect.js';
import { reviewMatch } from '../src/discover/review-match.js';
import { collectNotifications } from '../src/notify/collect-notifications.js';
import { enqueueListingChangeAlerts } from '../src/notify/enqueue-listing-changes.js';
import { notifySchema } from '../src/notify/notify-config.js';
import { listReviewItems } from '../src/queries/list-discovered.js';
import { openTestDb } from './support/db.js';
import { type DiscoveryStore, FIXTURE_PRODUCTS, startDiscoveryStore } from './support/discovery-store.js';
import { type DiscoveredSite, setUpDiscoveredSite } from './support/discovered-site.js';

const OPS = ['ops@northwind.example', 'Night.Shift@northwind.example'];

describe('ops alerts for new, moved and gone listings (postgres)', { timeout: 120_000 }, () => {
  let h: DbHandle;
  let store: DiscoveryStore;
  let run: DiscoveredSite['run'];
  const cfg = notifySchema.parse({ ops: OPS, from: 'mapwatch <mapwatch@northwind.example>' });
  const extra: string[] = [];
  const mails = () =>
    h.db
      .selectFrom('outbox')
      .select(['recipient', 'subject', 'body_text', 'body_html', 'idempotency_key'])
      .where('kind', '=', 'listing_changes')
      .orderBy('id')
      .execute();

  beforeAll(async () => {
    h = await openTestDb('postgres');
    store = await startDiscoveryStore();
    const o = store.server.origin;
    // A sitemap of its own, so a test can list a new page on the storefront between runs.
    store.server.routes.set('/extra-sitemap.xml', (_req, res) =>
      res
        .writeHead(200, { 'content-type': 'application/xml' })
        .end(
          `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${extra.map((p) => `<url><loc>${o}${p}</loc></url>`).join('')}</urlset>`,
        ),
    );
    run = (await setUpDiscoveredSite(h.db, store)).run;
  });
  afterAll(async () => {
    await store?.server.close();
    await h?.close();
  });

  it('the first run: one mail per ops address listing its new listings', async () => {
    const first = await run();
    expect(first.matched).toBeGreaterThan(20);
    const r = await enqueueListingChangeAlerts(h.db, cfg);
    expect(r.groups).toEqual([{ site: 'shop', runId: first.runId, changes: first.matched, queued: 2 }]);
    const m = await mails();
    expect(m.map((x) => x.recipient)).toEqual(OPS);
    expect(m[0]!.subject).toBe(`[mapwatch] shop: listings ${first.matched} new (discovery run ${first.runId})`);
  });

  it('a run with a new, a moved and a gone listing is one alert per ops address, queued once', async () => {
    const before = (await mails()).length;
    // The storefront moves one page, drops one, and lists a new page of a product not listed yet.
    const fresh = FIXTURE_PRODUCTS[25]!; // its only other page is a title-only candidate in review
    store.change();
    store.server.routes.set('/p/fresh-arrival', {
      body: `<!doctype html><html><head><script type="application/ld+json">${JSON.stringify({
        '@context': 'https://schema.org',
        '@type': 'Product',
        name: `${fresh.name} <b>new</b>`,
        gtin13: fresh.gtin,
        brand: { '@type': 'Brand', name: 'Northwind' },
      })}</script></head><body><h1>${fresh.name}</h1></body></html>`,
    });
    extra.push('/p/fresh-arrival');
    const second = await run();
    expect(second).toMatchObject({ moved: 1, gone: 1 });

    // While the run is still going (no finish time, no later run) its changes wait.
    await h.db.updateTable('discovery_runs').set({ finished_at: null }).where('id', '=', second.runId).execute();
    expect((await enqueueListingChangeAlerts(h.db, cfg)).groups).toEqual([]);
    await h.db.updateTable('discovery_runs').set({ finished_at: new Date() }).where('id', '=', second.runId).execute();

    // Through the notifier's own collection step.
    const collected = await collectNotifications(h.db, cfg, new Date());
    expect(collected.listingChanges).toBe(1);
    const m = (await mails()).slice(before);
    expect(m.map((x) => x.recipient)).toEqual(OPS);
    const mail = m[0]!;
    expect(mail.idempotency_key).toMatch(new RegExp(`^listing-changes:run-${second.runId}:[0-9a-f]{24}:ops@`));
    expect(mail.subject).toBe(`[mapwatch] shop: listings 1 new, 1 moved, 1 gone (discovery run ${second.runId})`);
    const o = store.server.origin;
    expect(mail.body_text).toContain(`${fresh.sku} ${fresh.name}: ${o}/p/fresh-arrival (matched by gtin)`);
    expect(mail.body_text).toContain(`${o}/products/moving-amp -> ${o}/products/amp-moved`);
    expect(mail.body_text).toContain(
      `${FIXTURE_PRODUCTS[4]!.sku} ${FIXTURE_PRODUCTS[4]!.name}: ${o}/products/leaving-dac`,
    );
    expect(mail.body_text).toMatch(/Gone \(1\): The page answers 404\/410/);
    expect(mail.body_html).toContain(`<a href="${o}/products/amp-moved">${o}/products/amp-moved</a>`);
    expect(mail.body_html).toContain('<h3 style="margin:16px 0 4px">Moved (1)</h3>');

    // Collected again: nothing more.
    expect((await enqueueListingChangeAlerts(h.db, cfg)).groups).toEqual([]);
    // A lost "reported" mark (the change collected a second time): the key refuses the copy.
    await h.db
      .updateTable('discovered_pages')
      .set({ reported_at: null })
      .where('change_run_id', '=', second.runId)
      .execute();
    const again = await enqueueListingChangeAlerts(h.db, cfg);
    expect(again.groups).toEqual([{ site: 'shop', runId: second.runId, changes: 3, queued: 0 }]);
    // The run re-delivered (the job runs again): the moved page still redirects, but that move
    // was reported; nothing is new.
    const third = await run();
    expect(third).toMatchObject({ moved: 0, gone: 0 });
    expect((await enqueueListingChangeAlerts(h.db, cfg)).groups).toEqual([]);
    expect((await mails()).length).toBe(before + OPS.length);
  });

  it('reports listings accepted in review, with who accepted them', async () => {
    const before = (await mails()).length;
    const item = (await listReviewItems(h.db)).find((i) => i.url.endsWith('/item/23'))!;
    await reviewMatch(h.db, { pageId: item.id, decision: 'approve', actor: { who: 'pat', role: 'ops' } });
    const r = await enqueueListingChangeAlerts(h.db, cfg);
    expect(r.groups).toEqual([{ site: 'shop', runId: null, changes: 1, queued: 2 }]);
    const mail = (await mails())[before]!;
    expect(mail.subject).toBe('[mapwatch] shop: listings 1 new (approved in review)');
    expect(mail.body_text).toContain(`${item.sku} ${item.productName}: ${item.url} (approved by pat (ops))`);
    expect((await enqueueListingChangeAlerts(h.db, cfg)).groups).toEqual([]);
  });

  it('keeps changes for later when no ops address is configured', async () => {
    const none = notifySchema.parse({});
    await h.db
      .updateTable('discovered_pages')
      .set({ change: 'gone', reported_at: null, change_run_id: null })
      .where('url', 'like', '%/p/fresh-arrival')
      .execute();
    expect((await enqueueListingChangeAlerts(h.db, none)).groups).toEqual([]);
    const left = await h.db
      .selectFrom('discovered_pages')
      .select('reported_at')
      .where('url', 'like', '%/p/fresh-arrival')
      .executeTakeFirstOrThrow();
    expect(left.reported_at).toBeNull();
  });
});
