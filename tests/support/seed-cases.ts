/**
 * A small catalog with cases written straight into the tables, for the review app's read
 * models, actions and pages (the crawl pipeline's own tests cover how cases come about).
 * Each case gets one violating read and its `opened` event, like a crawl would write.
 */
import type { Kysely } from 'kysely';
import type { CaseStatus, Database } from '../../src/db/tables.js';

export const XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>';

export interface SeedCase {
  listing: number;
  status?: CaseStatus;
  severity?: string;
  mapMinor?: number;
  lowestMinor: number;
  firstSeen: string;
  lastSeen?: string;
  seller?: string | null;
  assignee?: string | null;
  pageName?: string | null;
}

export async function seedCatalog(db: Kysely<Database>) {
  const [acme, bolt] = await db
    .insertInto('resellers')
    .values([
      { name: 'Acme Audio', tier: 'gold', region: 'US', contact_email: 'legal@acme.test' },
      { name: 'Bolt Sound', tier: 'silver', region: 'CA', contact_email: 'ops@bolt.test' },
    ])
    .returning('id')
    .execute();
  const products = await db
    .insertInto('products')
    .values([
      { sku: 'HP-100', name: 'Studio Headphones', brand: 'Northwind' },
      { sku: 'SPK-200', name: 'Bookshelf Speaker', brand: 'Northwind' },
      { sku: 'AMP-300', name: `Tube Amp ${XSS}`, brand: 'Contoso' },
    ])
    .returning('id')
    .execute();
  for (const p of products)
    await db
      .insertInto('map_prices')
      .values({ product_id: p.id, currency: 'USD', map_minor: 10000, list_minor: 12900, effective_from: '2020-01-01' })
      .execute();
  const sites = await db
    .insertInto('sites')
    .values([
      { name: 'acme-web', reseller_id: acme!.id, domain: 'acme.test', config_hash: 'x' },
      { name: 'bolt-market', reseller_id: bolt!.id, domain: 'bolt.test', config_hash: 'y' },
    ])
    .returning('id')
    .execute();
  const listings = [];
  for (const s of sites)
    for (const p of products)
      listings.push(
        (
          await db
            .insertInto('listings')
            .values({ site_id: s.id, product_id: p.id, url: `https://site${s.id}.test/p/${p.id}` })
            .returning('id')
            .executeTakeFirstOrThrow()
        ).id,
      );
  return {
    resellers: [acme!.id, bolt!.id],
    products: products.map((p) => p.id),
    sites: sites.map((s) => s.id),
    listings,
  };
}

export async function seedCase(db: Kysely<Database>, c: SeedCase): Promise<number> {
  const map = c.mapMinor ?? 10000;
  const last = c.lastSeen ?? c.firstSeen;
  const obs = await db
    .insertInto('observations')
    .values({
      listing_id: c.listing,
      captured_at: last,
      status: 'ok',
      amount_minor: c.lowestMinor,
      currency: 'USD',
      raw_price_text: `$${(c.lowestMinor / 100).toFixed(2)}`,
      extraction_source: 'json-ld',
      product_name: c.pageName ?? null,
      verdict: 'violation',
      normalized_minor: c.lowestMinor,
      map_minor: map,
      seller: c.seller ?? null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const status = c.status ?? 'open';
  const row = await db
    .insertInto('cases')
    .values({
      listing_id: c.listing,
      status,
      severity: c.severity ?? 'medium',
      currency: 'USD',
      map_minor: map,
      lowest_minor: c.lowestMinor,
      last_minor: c.lowestMinor,
      first_seen_at: c.firstSeen,
      last_seen_at: last,
      closed_at: status === 'open' || status === 'notified' ? null : last,
      seller: c.seller ?? null,
      assignee: c.assignee ?? null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db
    .insertInto('case_events')
    .values({
      case_id: row.id,
      observation_id: obs.id,
      kind: 'opened',
      at: new Date(c.firstSeen),
      detail: JSON.stringify({ status: 'ok', verdict: 'violation', normalized_minor: c.lowestMinor, map_minor: map }),
    })
    .execute();
  return row.id;
}
