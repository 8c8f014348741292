/**
 * A small, fully known data set for the Findings, Resellers, Sites and Outbox pages and
 * their API: two resellers (one with an XSS payload in a marketplace seller's name), three
 * sites (one with a config file that does not load), reads in and out of the 30-day window,
 * unauthorized-seller and evasion findings, cases, a sent notice and outbox messages in
 * every state. Written straight into the tables so each figure in the tests is by design.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { loadSiteFile } from '../../src/config/load-sites.js';
import type { Database, NewObservation } from '../../src/db/tables.js';
import { tmpDir } from './tmp.js';

export const EVIL_SELLER = '<script>alert("xss")</script>Cheap&Co';
const DAY = 86_400_000;

/** A saved product page: JSON-LD says 129.99 USD; a strike-through "was" price the extractor must not take. */
export const SAVED_PAGE = `<!doctype html><html><head><title>Northwind HP-1 headphones</title>
<script type="application/ld+json">{"@context":"https://schema.org","@type":"Product","name":"Northwind HP-1","sku":"HP-1",
"offers":{"@type":"Offer","price":"129.99","priceCurrency":"USD","availability":"https://schema.org/InStock"}}</script></head>
<body><h1>Northwind HP-1 headphones</h1><p class="price"><s>Was $159.00</s> <b>$129.99</b></p></body></html>`;

export interface PagesSeed {
  dir: string;
  resellers: { depot: number; market: number };
  sites: { depot: number; market: number; broken: number };
  outbox: { failedWithCase: number; sent: number; unconfirmed: number };
  openCase: number;
}

export async function seedPages(db: Kysely<Database>, now = new Date()): Promise<PagesSeed> {
  const ago = (days: number) => new Date(now.getTime() - days * DAY);
  const dir = tmpDir({
    'depot.yaml': `reseller: Sound Depot\ndomain: shop.depot.example\ncurrency: USD\nlistings:\n  - { sku: HP-1, url: "https://shop.depot.example/p/hp-1" }\n`,
    'market.yaml': `reseller: MegaMarket\ndomain: mega.example\ncurrency: USD\nlistings:\n  - { sku: HP-1, url: "https://mega.example/hp-1" }\n  - { sku: NO-SUCH-SKU, url: "https://mega.example/x" }\n`,
    'broken.yaml': `reseller: MegaMarket\ndomain: broken.example\nrender: sometimes\nlistings: []\n`,
  });
  const hashOf = (f: string) => loadSiteFile(path.join(dir, f)).site?.hash ?? 'never-loaded';

  const [depot, market] = await db
    .insertInto('resellers')
    .values([
      { name: 'Sound Depot', tier: 'gold', region: 'US', authorized: true, contact_email: 'pricing@depot.example' },
      { name: 'MegaMarket', tier: 'marketplace', region: 'EU', authorized: false, contact_email: null },
    ])
    .returning('id')
    .execute();
  const [hp] = await db
    .insertInto('products')
    .values([{ sku: 'HP-1', name: 'Northwind HP-1', brand: 'Northwind' }])
    .returning('id')
    .execute();
  const siteRows = await db
    .insertInto('sites')
    .values([
      {
        name: 'depot',
        reseller_id: depot!.id,
        domain: 'shop.depot.example',
        config_hash: hashOf('depot.yaml'),
        config_path: path.join(dir, 'depot.yaml'),
      },
      {
        name: 'market',
        reseller_id: market!.id,
        domain: 'mega.example',
        config_hash: 'old',
        config_path: path.join(dir, 'market.yaml'),
      },
      {
        name: 'broken',
        reseller_id: market!.id,
        domain: 'broken.example',
        config_hash: 'x',
        config_path: path.join(dir, 'broken.yaml'),
      },
    ])
    .returning('id')
    .execute();
  const [sDepot, sMarket, sBroken] = siteRows.map((r) => r.id) as [number, number, number];
  const listings = await db
    .insertInto('listings')
    .values([
      { site_id: sDepot, product_id: hp!.id, url: 'https://shop.depot.example/p/hp-1' },
      { site_id: sMarket, product_id: hp!.id, url: 'https://mega.example/hp-1' },
      { site_id: sBroken, product_id: hp!.id, url: 'https://broken.example/hp-1' },
    ])
    .returning('id')
    .execute();
  // The state each site's last read recorded (update-site-health.ts); `broken` is suppressed.
  await db
    .insertInto('site_health')
    .values([
      { site_id: sDepot, state: 'ok', suppressed: false },
      { site_id: sMarket, state: 'degraded', suppressed: false },
      { site_id: sBroken, state: 'suppressed', suppressed: true, since: ago(1), reason: 'no price on 1 of 1 listing' },
    ])
    .execute();
  const [lDepot, lMarket, lBroken] = listings.map((r) => r.id) as [number, number, number];

  const obs = async (listing: number, at: Date, o: Partial<NewObservation>) =>
    (
      await db
        .insertInto('observations')
        .values({ listing_id: listing, captured_at: at, status: 'ok', ...o })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
  const ok = (minor: number, verdict: 'compliant' | 'violation'): Partial<NewObservation> => ({
    amount_minor: minor,
    currency: 'USD',
    verdict,
    normalized_minor: minor,
    map_minor: 10000,
    extraction_source: 'json-ld',
    raw_price_text: '$' + (minor / 100).toFixed(2),
  });
  // Sound Depot: 3 compliant + 1 violation in the window; an old violation outside it.
  const old = await obs(lDepot, ago(40), ok(8000, 'violation'));
  await obs(lDepot, ago(5), ok(10000, 'compliant'));
  await obs(lDepot, ago(4), ok(10500, 'compliant'));
  const violation = await obs(lDepot, ago(2), ok(8900, 'violation'));
  await obs(lDepot, ago(1), ok(10000, 'compliant'));
  // MegaMarket: blocked reads and one compliant read with unauthorized sellers on it.
  await obs(lMarket, ago(3), { status: 'blocked', reason: 'HTTP 403 (captcha <b>wall</b>)', http_status: 403 });
  const m1 = await obs(lMarket, ago(2), ok(10000, 'compliant'));
  const m2 = await obs(lMarket, ago(1), ok(10000, 'compliant'));
  const b1 = await obs(lBroken, ago(1), { status: 'no_price', reason: 'no price found on the page' });

  const sellers = (evilAmount: string) => ({
    sellers: [
      {
        seller: EVIL_SELLER,
        amount: evilAmount,
        currency: 'USD',
        below_map: true,
        percent_below: 20,
        map_minor: 10000,
      },
      { seller: 'Fair Trader', amount: '105.00', currency: 'USD', below_map: false, map_minor: 10000 },
    ],
    authorized: ['Northwind Official'],
  });
  await db
    .insertInto('findings')
    .values([
      {
        observation_id: m1,
        listing_id: lMarket,
        kind: 'unauthorized_seller',
        detail: JSON.stringify(sellers('82.00')),
        at: ago(2),
      },
      {
        observation_id: m2,
        listing_id: lMarket,
        kind: 'unauthorized_seller',
        detail: JSON.stringify(sellers('80.00')),
        at: ago(1),
      },
      // The same seller on another site (case differs): one group.
      {
        observation_id: b1,
        listing_id: lBroken,
        kind: 'unauthorized_seller',
        detail: JSON.stringify({
          sellers: [{ seller: EVIL_SELLER.toUpperCase(), amount: '85.50', currency: 'USD', below_map: true }],
        }),
        at: ago(1.5),
      },
      {
        observation_id: violation,
        listing_id: lDepot,
        kind: 'map_evasion',
        detail: JSON.stringify({ phrases: ['see price in cart'], revealed_by_steps: true }),
        at: ago(2),
      },
    ])
    .execute();

  const [open, closed] = await db
    .insertInto('cases')
    .values([
      {
        listing_id: lDepot,
        status: 'open',
        severity: 'high',
        currency: 'USD',
        map_minor: 10000,
        lowest_minor: 8900,
        last_minor: 8900,
        first_seen_at: ago(2),
        last_seen_at: ago(2),
      },
      {
        listing_id: lDepot,
        status: 'dismissed',
        severity: 'low',
        currency: 'USD',
        map_minor: 10000,
        lowest_minor: 8000,
        last_minor: 8000,
        first_seen_at: ago(40),
        last_seen_at: ago(40),
        closed_at: ago(39),
        resolution_note: 'old',
      },
    ])
    .returning('id')
    .execute();
  const outbox = await db
    .insertInto('outbox')
    .values([
      {
        kind: 'notice',
        idempotency_key: 'k1',
        message_id: '<m1@test>',
        case_id: open!.id,
        reseller_id: depot!.id,
        recipient: 'pricing@depot.example',
        subject: 'MAP notice 1',
        body_text: 'Dear reseller',
        status: 'failed',
        attempts: 5,
        last_error: '550 mailbox <unavailable>',
      },
      {
        kind: 'digest',
        idempotency_key: 'k2',
        message_id: '<m2@test>',
        recipient: 'anna@brand.example',
        subject: 'Daily digest',
        body_text: 'digest',
        status: 'sent',
        attempts: 1,
        sent_at: ago(1),
      },
      {
        kind: 'site_alert',
        idempotency_key: 'k3',
        message_id: '<m3@test>',
        recipient: 'ops@brand.example',
        subject: 'Site market blocked',
        body_text: 'alert',
        status: 'unconfirmed',
        attempts: 1,
        last_error: 'connection lost after DATA',
      },
    ])
    .returning('id')
    .execute();
  await db
    .insertInto('notices')
    .values({
      case_id: open!.id,
      reseller_id: depot!.id,
      step: 1,
      status: 'sent',
      outbox_id: outbox[0]!.id,
      proposed_at: ago(1.5),
      approved_at: ago(1.5),
      approved_by: 'cleo',
      sent_at: ago(1.4),
    })
    .execute();
  // A reviewer said the old read was a misread (the case was dismissed): site health counts it.
  await db
    .insertInto('misreads')
    .values({
      case_id: closed!.id,
      observation_id: old,
      listing_id: lDepot,
      site_id: sDepot,
      correct_minor: 10000,
      currency: 'USD',
      by: 'cleo@brand.example',
      role: 'compliance',
    })
    .execute();
  return {
    dir,
    resellers: { depot: depot!.id, market: market!.id },
    sites: { depot: sDepot, market: sMarket, broken: sBroken },
    outbox: { failedWithCase: outbox[0]!.id, sent: outbox[1]!.id, unconfirmed: outbox[2]!.id },
    openCase: open!.id,
  };
}

export function removeSeed(s: PagesSeed): void {
  fs.rmSync(s.dir, { recursive: true, force: true });
}
