/**
 * A realistic review-app dataset, generated set-based in SQL (generate_series, INSERT …
 * SELECT) so 100,000 cases and 1,000,000 observations take seconds, not an hour of
 * recordObservation calls. Used by the end-to-end tests (small) and bench/app-pages.ts (big).
 *
 * What it makes, all tied together the way the check pipeline would have left them:
 * - products (brands, GTINs) with one USD MAP window each;
 * - resellers over tiers and regions (a few unauthorized), one site each plus a marketplace
 *   site for every fifth; site health rows, alerts, and re-checks (some disagreeing);
 * - listings; `observations` reads spread over 90 days per listing, most `ok`, some blocked
 *   or without a price (a few sites mostly blocked);
 * - cases in every status (open, notified, resolved, dismissed) and severity, whose figures
 *   come from the reads inside each case's window (violations), with compliant reads around;
 *   marketplace reads name a seller, and a third of the live cases have an assignee;
 * - case_events (opened, observed, severity_changed, dismissed, resolved, note), inserted in
 *   time order so the database's chain trigger (migrations/20261201110100) links them;
 * - evidence for each case's opening read, hash-chained exactly as record-evidence.ts does,
 *   with real PNG screenshots in the evidence store when one is given;
 * - findings (MAP evasion, unauthorized sellers), notices, and outbox rows in every status.
 *
 * `hostile: true` puts script payloads in a product name, a reseller name, a page product
 * name and a seller name, for the XSS tests.
 */
import { deflateSync } from 'node:zlib';
import { type Kysely, sql } from 'kysely';
import type { Database } from '../../src/db/tables.js';
import type { EvidenceStore } from '../../src/evidence/evidence-store.js';
import { chainSha256, GENESIS_SHA256, type Manifest, manifestSha256 } from '../../src/evidence/manifest.js';
import { observationFacts } from '../../src/evidence/record-evidence.js';

export interface SeedOptions {
  cases: number;
  observations: number;
  /** The reads end here (default: now). */
  now?: Date;
  /** Where screenshot files go; absent: evidence rows name keys with no file behind them. */
  evidence?: EvidenceStore;
  /** Script payloads in names that come from catalogs and crawled pages. */
  hostile?: boolean;
  /** Cases (lowest ids) whose every violating read has evidence; the rest only their opening read (default 500). */
  fullEvidenceCases?: number;
  log?: (line: string) => void;
}

export interface SeedSummary {
  products: number;
  resellers: number;
  sites: number;
  listings: number;
  observations: number;
  cases: number;
  caseEvents: number;
  evidence: number;
  findings: number;
  outbox: number;
  byStatus: Record<string, number>;
  bySeverity: Record<string, number>;
  seconds: Record<string, number>;
}

export const HOSTILE = {
  product: `<img src=x onerror="alert('product')">Evil "Headphones" & <b>co</b>`,
  reseller: `<script>alert('reseller')</script>Shady Deals`,
  pageProduct: `<svg onload=alert('page')>Page title</svg>`,
  seller: `<img src=y onerror=alert('seller')>Grey Market Inc`,
};

const BRANDS = ['Northwind', 'Contoso', 'Fabrikam', 'Tailspin', 'Litware', 'Proseware', 'Adatum', 'Wingtip'];
const NOUNS = ['Headphones', 'Speaker', 'Turntable', 'Amplifier', 'Soundbar', 'Earbuds', 'Subwoofer', 'DAC'];
const SHOPS = ['Audio', 'Electronics', 'Hi-Fi', 'Sound', 'Direct', 'Outlet', 'Depot', 'Store'];
const TIERS = ['gold', 'silver', 'bronze'];
const REGIONS = ['US', 'EU', 'UK', 'APAC'];
const DISMISS_NOTES = ['authorized clearance sale', 'wrong product matched', 'agreed bundle price', 'open-box unit'];

const SPAN_DAYS = 90;

/** The sizes everything else derives from. */
export function seedShape(o: Pick<SeedOptions, 'cases' | 'observations'>) {
  const cases = Math.max(1, Math.floor(o.cases));
  const products = Math.max(12, Math.round(cases / 50));
  const resellers = Math.max(6, Math.round(cases / 500));
  const sites = resellers + Math.floor(resellers / 5);
  // Every case has its own listing (at most one open case per listing); a quarter more
  // listings have no case at all. At least two reads per listing, so a window has a before.
  const listings = Math.max(cases, Math.min(Math.ceil(cases * 1.25), Math.floor(o.observations / 2)));
  const observations = Math.max(o.observations, listings * 2);
  return { cases, products, resellers, sites, listings, observations, reads: Math.floor(observations / listings) };
}

export async function seedApp(db: Kysely<Database>, o: SeedOptions): Promise<SeedSummary> {
  const shape = seedShape(o);
  const now = o.now ?? new Date();
  const seconds: Record<string, number> = {};
  const step = async (name: string, fn: () => Promise<unknown>) => {
    const t0 = performance.now();
    await fn();
    seconds[name] = Number(((performance.now() - t0) / 1000).toFixed(2));
    o.log?.(`seed: ${name} ${seconds[name]} s`);
  };
  const arr = (xs: readonly string[]) => sql`${sql.lit(`{${xs.map((x) => `"${x}"`).join(',')}}`)}::text[]`;
  const { products: P, resellers: R, sites: S, listings: L, cases: N, reads: K } = shape;

  await step('catalog', async () => {
    await sql`insert into products (sku, name, brand, gtin, mpn, pack_size)
      select 'SKU-' || lpad(i::text, 6, '0'),
             (${arr(BRANDS)})[1 + i % 8] || ' ' || (array['Studio','Pro','Air','Max','Mini','One'])[1 + (i / 8) % 6]
               || ' ' || (${arr(NOUNS)})[1 + (i / 3) % 8] || ' ' || (100 + i),
             (${arr(BRANDS)})[1 + i % 8],
             lpad((4006381000000 + i)::text, 13, '0'),
             'MPN-' || i, 1
      from generate_series(1, ${P}) i`.execute(db);
    // MAP from $19.99 to about $520, always ending in .99.
    await sql`insert into map_prices (product_id, currency, map_minor, list_minor, effective_from)
      select id, 'USD', (20 + (id * 7919) % 500) * 100 - 1, ((20 + (id * 7919) % 500) * 100 - 1) * 6 / 5,
             timestamptz '2025-01-01T00:00:00Z'
      from products`.execute(db);
    await sql`insert into resellers (name, tier, region, contact_email, authorized)
      select (array['Acme','Bolt','Crest','Delta','Echo','Fjord','Granite','Harbor','Iris','Juniper'])[1 + i % 10]
               || ' ' || (${arr(SHOPS)})[1 + (i / 10) % 8] || ' ' || i,
             (${arr(TIERS)})[1 + i % 3], (${arr(REGIONS)})[1 + (i / 3) % 4],
             'pricing@reseller-' || i || '.example', i % 11 <> 5
      from generate_series(1, ${R}) i`.execute(db);
    await sql`insert into sites (name, reseller_id, domain, config_hash, config_path)
      select case when i <= ${R} then 'shop-' || i else 'market-' || i end,
             r.id,
             case when i <= ${R} then 'shop-' || i || '.example' else 'market-' || i || '.example' end,
             md5('site' || i), 'crawlers/site-' || i || '.yaml'
      from generate_series(1, ${S}) i
      join resellers r on r.id = (select min(id) from resellers) + (case when i <= ${R} then i - 1 else (i - ${R}) * 5 - 1 end)`.execute(
      db,
    );
    await sql`insert into listings (site_id, product_id, url, pack_size)
      select (select min(id) from sites) + (x % ${S}),
             (select min(id) from products) + ((x * 7) % ${P}),
             'https://' || (select domain from sites where id = (select min(id) from sites) + (x % ${S})) || '/p/' || x,
             1
      from generate_series(0, ${L - 1}) x
      order by x`.execute(db);
  });

  // The plan: which listing has which case, its window of violating reads (read indexes k),
  // status and how far below MAP. Listing x (0-based) has a case when x < N.
  await step('plan', async () => {
    await sql`create temporary table seed_plan as
      select l.id as listing_id, l.site_id, x,
             case when x % 20 < 8 then 'open' when x % 20 < 11 then 'notified'
                  when x % 20 < 16 then 'resolved' else 'dismissed' end as status,
             2 + (x * 37) % 28 as pct
      from (select id, site_id, row_number() over (order by id) - 1 as x from listings) l
      where x < ${N}`.execute(db);
    await sql`alter table seed_plan add column first_k int, add column last_k int`.execute(db);
    // Resolved: the window ends two reads before the last (two clean reads resolved it).
    // Others: the window runs to the latest read.
    await sql`update seed_plan set
      last_k = case when status = 'resolved' then greatest(0, ${K} - 3) else 1000000000 end,
      first_k = case when status = 'resolved' then greatest(0, greatest(0, ${K} - 3) - (x % greatest(1, ${K} - 2)))
                     else greatest(0, ${K} - 1 - (x % ${K})) end`.execute(db);
    await sql`create index seed_plan_listing on seed_plan (listing_id)`.execute(db);
    // Fresh tables have no statistics; without them the planner nests loops over a million reads.
    await sql`analyze seed_plan, listings, products, map_prices, sites`.execute(db);
  });

  await step('observations', async () => {
    const nowIso = now.toISOString();
    // Read j goes to listing j % L, as its (j / L)-th read; reads are spread over 90 days.
    await sql`insert into observations (listing_id, captured_at, status, reason, amount_minor, currency, raw_price_text,
        extraction_source, product_name, verdict, normalized_minor, map_minor, verdict_detail, http_status, final_url,
        content_sha256, read_key, seller)
      select g.listing_id, g.at, g.status,
             case g.status when 'blocked' then 'bot wall: captcha page' when 'no_price' then 'no price found on the page'
                           when 'error' then 'timeout after 30000 ms' end,
             case when g.status = 'ok' then g.amount end,
             case when g.status = 'ok' then 'USD' end,
             case when g.status = 'ok' then '$' || to_char(g.amount / 100.0, 'FM999990.00') end,
             case when g.status = 'ok' then (array['json-ld','microdata','meta','selector','text'])[1 + g.j % 5] end,
             case when g.status in ('ok', 'no_price') then p.name end,
             case when g.status = 'ok' then case when g.violating then 'violation' else 'compliant' end end,
             case when g.status = 'ok' then g.amount end,
             case when g.status = 'ok' then g.map end,
             case when g.status = 'ok' then jsonb_build_object(
               'kind', case when g.violating then 'violation' else 'compliant' end,
               'mapMinor', g.map, 'normalizedMinor', g.amount, 'currency', 'USD',
               'belowMinor', greatest(0, g.map - g.amount),
               'percentBelow', round(greatest(0, g.map - g.amount) * 100.0 / g.map, 2),
               'severity', case when g.map - g.amount >= g.map * 15 / 100 then 'high'
                                when g.map - g.amount >= g.map * 5 / 100 then 'medium' else 'low' end,
               'rule', jsonb_build_object('mapMinor', g.map, 'baseMapMinor', g.map, 'listMinor', null, 'currency', 'USD',
                 'effectiveFrom', '2025-01-01T00:00:00.000Z', 'effectiveTo', null, 'observedMinor', g.amount,
                 'packFactor', jsonb_build_object('listingPackSize', 1, 'productPackSize', 1),
                 'vatAdjustment', 'none', 'vatRatePercent', null, 'normalizedExact', g.amount::text,
                 'tolerance', jsonb_build_object('absMinor', null, 'percent', null, 'thresholdMinor', g.map))) end,
             case when g.status = 'blocked' then 403 when g.status = 'error' then null else 200 end,
             l.url, md5(g.j::text) || md5(g.listing_id::text), 'seed:' || g.j,
             case when g.status = 'ok' and g.market then (array['Official Store','Grey Market Inc','QuickDeals 24','AudioHub Outlet'])[1 + g.x % 4] end
      from (
        select j, l0.id as listing_id, l0.x, j / ${L} as k, m.map_minor as map, l0.market,
               ${nowIso}::timestamptz - ((${K} - 1 - j / ${L}) * ${SPAN_DAYS * 24 * 60}::int / ${K}) * interval '1 minute'
                 - (l0.x % 600) * interval '1 minute' as at,
               pl.listing_id is not null and j / ${L} between pl.first_k and pl.last_k as violating,
               case
                 when pl.listing_id is not null and j / ${L} between pl.first_k and pl.last_k then 'ok'
                 when l0.site_id % 13 = 0 and j % 5 <> 0 then 'blocked'
                 when j % 41 = 7 then 'blocked'
                 when j % 97 = 3 then 'no_price'
                 when j % 211 = 5 then 'error'
                 else 'ok' end as status,
               case
                 when pl.listing_id is not null and j / ${L} between pl.first_k and pl.last_k
                   then greatest(100, m.map_minor * (100 - pl.pct) / 100 - ((j / ${L}) % 3) * 100)
                 else m.map_minor + (l0.x % 5) * 100 end as amount
        from generate_series(0, ${shape.observations - 1}) j
        join (select l.id, l.site_id, l.product_id, l.id - (select min(id) from listings) as x, st.name like 'market-%' as market
              from listings l join sites st on st.id = l.site_id) l0
          on l0.id = (select min(id) from listings) + j % ${L}
        join map_prices m on m.product_id = l0.product_id
        left join seed_plan pl on pl.listing_id = l0.id
      ) g
      join listings l on l.id = g.listing_id
      join products p on p.id = l.product_id`.execute(db);
  });

  await step('cases', async () => {
    await sql`insert into cases (listing_id, status, severity, currency, map_minor, lowest_minor, last_minor,
        first_seen_at, last_seen_at, clean_streak, closed_at, resolution_note, seller, assignee)
      select pl.listing_id, pl.status,
             case when (w.map - w.lowest) * 100 >= w.map * 15 then 'high' when (w.map - w.lowest) * 100 >= w.map * 5 then 'medium' else 'low' end,
             'USD', w.map, w.lowest, w.last, w.first_at, w.last_at,
             case when pl.status = 'resolved' then 2 else 0 end,
             case when pl.status = 'resolved' then w.last_at + interval '2 days'
                  when pl.status = 'dismissed' then w.last_at + interval '3 hours' end,
             case when pl.status = 'resolved' then 'price back at or above MAP for 2 reads'
                  when pl.status = 'dismissed' then (${arr(DISMISS_NOTES)})[1 + pl.x % 4] end,
             w.seller,
             case when pl.status in ('open', 'notified') and pl.x % 3 = 0
                  then (array['clara@northwind.example','lena@northwind.example'])[1 + pl.x % 2] end
      from seed_plan pl
      join lateral (
        select min(o.normalized_minor) as lowest, max(o.map_minor) as map,
               (array_agg(o.normalized_minor order by o.captured_at desc))[1] as last,
               (array_agg(o.seller order by o.captured_at desc))[1] as seller,
               min(o.captured_at) as first_at, max(o.captured_at) as last_at
        from observations o where o.listing_id = pl.listing_id and o.verdict = 'violation'
      ) w on w.lowest is not null
      order by pl.listing_id`.execute(db);
  });

  await step('case_events', async () => {
    // All events of all cases, in time order: the chain trigger numbers them as they come.
    await sql`insert into case_events (case_id, observation_id, kind, at, detail)
      select case_id, observation_id, kind, at, detail from (
        select c.id as case_id, o.id as observation_id,
               case when o.captured_at = c.first_seen_at then 'opened' else 'observed' end as kind,
               o.captured_at as at,
               case when o.captured_at = c.first_seen_at then jsonb_build_object('status', 'ok', 'verdict', 'violation',
                      'normalized_minor', o.normalized_minor, 'map_minor', o.map_minor,
                      'percent_below', round((o.map_minor - o.normalized_minor) * 100.0 / o.map_minor, 2), 'severity', c.severity)
                    else jsonb_build_object('status', 'ok', 'verdict', 'violation', 'normalized_minor', o.normalized_minor,
                      'percent_below', round((o.map_minor - o.normalized_minor) * 100.0 / o.map_minor, 2)) end as detail,
               0 as ord
        from cases c join observations o on o.listing_id = c.listing_id and o.verdict = 'violation'
        union all
        select c.id, null, 'severity_changed', c.first_seen_at + interval '1 second',
               jsonb_build_object('from', 'low', 'to', c.severity), 1
        from cases c where c.severity <> 'low' and c.id % 7 = 0
        union all
        select c.id, null, 'note', c.first_seen_at + interval '2 hours',
               jsonb_build_object('note', 'asked the account manager to call them', 'by', 'lena@northwind.example', 'role', 'compliance'), 2
        from cases c where c.id % 9 = 0
        union all
        select c.id, null, 'dismissed', c.closed_at,
               jsonb_build_object('note', c.resolution_note, 'by', 'maria@northwind.example', 'role', 'compliance',
                 'last_minor', c.last_minor, 'map_minor', c.map_minor, 'currency', c.currency), 3
        from cases c where c.status = 'dismissed'
        union all
        select c.id, o.id, 'resolved', c.closed_at, jsonb_build_object('reason', 'auto', 'clean_streak', 2), 3
        from cases c
        join lateral (select o.id from observations o where o.listing_id = c.listing_id and o.verdict = 'compliant'
                        and o.captured_at > c.last_seen_at order by o.captured_at limit 1) o on true
        where c.status = 'resolved'
      ) e
      order by at, case_id, ord`.execute(db);
  });

  await step('notices+outbox', async () => {
    // Notified cases: their notice went out; a fifth of the open ones wait for approval.
    await sql`insert into outbox (kind, idempotency_key, message_id, case_id, reseller_id, recipient, subject, body_text,
        status, attempts, next_attempt_at, last_error, created_at, sent_at)
      select 'notice', 'notice:' || c.id || ':1', '<notice-' || c.id || '@seed.mapwatch>', c.id, r.id, r.contact_email,
             'MAP policy notice: ' || p.sku, 'Your advertised price for ' || p.name || ' is below MAP.',
             'sent', 1, c.first_seen_at + interval '1 day', null, c.first_seen_at + interval '1 day', c.first_seen_at + interval '1 day'
      from cases c join listings l on l.id = c.listing_id join sites s on s.id = l.site_id
      join resellers r on r.id = s.reseller_id join products p on p.id = l.product_id
      where c.status = 'notified'`.execute(db);
    await sql`insert into notices (case_id, reseller_id, step, status, proposed_at, approved_at, approved_by, sent_at, outbox_id)
      select o.case_id, o.reseller_id, 1, 'sent', o.created_at - interval '2 hours', o.created_at - interval '1 hour',
             'lena@northwind.example', o.sent_at, o.id
      from outbox o where o.kind = 'notice'`.execute(db);
    await sql`insert into notices (case_id, reseller_id, step, status, proposed_at)
      select c.id, s.reseller_id, 1, 'proposed', c.first_seen_at + interval '1 hour'
      from cases c join listings l on l.id = c.listing_id join sites s on s.id = l.site_id
      where c.status = 'open' and c.id % 5 = 0`.execute(db);
    // Alerts and digests in every status, for the outbox page.
    await sql`insert into outbox (kind, idempotency_key, message_id, case_id, recipient, subject, body_text, status,
        attempts, next_attempt_at, last_error, created_at, sent_at)
      select case when c.id % 50 = 0 then 'digest' else 'alert' end, 'alert:' || c.id, '<alert-' || c.id || '@seed.mapwatch>',
             c.id, 'pricing@northwind.example', 'New MAP case #' || c.id, 'A new case was opened.',
             (array['sent','sent','sent','pending','failed','unconfirmed','sending'])[1 + c.id % 7],
             1 + c.id % 3, c.first_seen_at,
             case when c.id % 7 = 4 then '550 mailbox unavailable' when c.id % 7 = 5 then 'connection lost after DATA' end,
             c.first_seen_at, case when c.id % 7 < 3 then c.first_seen_at + interval '5 minutes' end
      from cases c where c.id % 5 = 0`.execute(db);
  });

  await step('health+findings', async () => {
    await sql`insert into site_health (site_id, suppressed, since, reason, checked_at, state)
      select s.id, s.id % 13 = 0, ${now}::timestamptz - interval '3 days',
             case when s.id % 13 = 0 then 'most reads blocked' when s.id % 17 = 0 then 'extraction success 40% < 50%' end,
             ${now}::timestamptz,
             case when s.id % 13 = 0 then 'blocked' when s.id % 17 = 0 then 'needs_attention' when s.id % 7 = 0 then 'degraded'
                  else 'ok' end
      from sites s`.execute(db);
    await sql`insert into site_alerts (site_id, kind, at, detail, notified_at)
      select site_id, case when state = 'blocked' then 'blocked' else 'needs_attention' end, since,
             jsonb_build_object('reason', reason), since + interval '1 minute'
      from site_health where state in ('blocked', 'needs_attention')`.execute(db);
    // Re-checks: the confirming read of each case's opening; every 11th disagreed.
    await sql`insert into rechecks (site_id, listing_id, first_observation_id, second_observation_id, agreed, detail, at)
      select l.site_id, l.id, e.observation_id, e.observation_id, c.id % 11 <> 0,
             jsonb_build_object('first', e.detail->'normalized_minor', 'second', e.detail->'normalized_minor'), e.at
      from case_events e join cases c on c.id = e.case_id join listings l on l.id = c.listing_id
      where e.kind = 'opened'`.execute(db);
    // Marketplace sites: unauthorized sellers; every 15th listing hides its price in the cart.
    await sql`insert into findings (observation_id, listing_id, kind, detail, at)
      select o.id, o.listing_id, 'unauthorized_seller',
             jsonb_build_object('authorized', jsonb_build_array('Official Store'), 'sellers', jsonb_build_array(
               jsonb_build_object('seller', (array['Grey Market Inc','QuickDeals 24','BestPriceHub','Parallel Imports Ltd'])[1 + o.listing_id % 4],
                 'amount', to_char((o.map_minor * 85 / 100) / 100.0, 'FM999990.00'), 'currency', 'USD',
                 'below_map', true, 'percent_below', 15, 'map_minor', o.map_minor))),
             o.captured_at
      from observations o join listings l on l.id = o.listing_id join sites s on s.id = l.site_id
      where s.name like 'market-%' and o.status = 'ok' and o.listing_id % 3 = 0
      union all
      select o.id, o.listing_id, 'map_evasion',
             jsonb_build_object('phrases', jsonb_build_array('see price in cart'), 'revealed_by_steps', true),
             o.captured_at
      from observations o
      where o.listing_id % 15 = 1 and o.status = 'ok'`.execute(db);
  });

  if (o.hostile) await step('hostile', () => makeHostile(db));

  let evidenceRows = 0;
  await step(
    'evidence',
    async () => (evidenceRows = await seedEvidence(db, o.evidence, now, o.fullEvidenceCases ?? 500)),
  );

  // Vacuumed as well as analyzed: a database at rest has been through autovacuum, whose
  // visibility map lets the list pages' index-only scans skip the table (counting a site's
  // active listings, walking a site's or a case list's index); a fresh bulk load has none.
  // This schema's tables only: a bare VACUUM or ANALYZE walks every schema in the database.
  await step('vacuum', async () => {
    await sql`drop table seed_plan`.execute(db);
    const { rows } = await sql<{ t: string }>`
      select tablename as t from pg_tables where schemaname = current_schema() order by 1`.execute(db);
    await sql`vacuum (analyze) ${sql.join(rows.map((r) => sql.table(r.t)))}`.execute(db);
  });

  return { ...(await summarize(db)), evidence: evidenceRows, seconds };
}

/** What a seeded database holds (also for one seeded earlier). */
export async function summarize(db: Kysely<Database>): Promise<SeedSummary> {
  const count = async (t: keyof Database) =>
    Number(
      (
        await db
          .selectFrom(t)
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const groups = async (col: 'status' | 'severity') =>
    Object.fromEntries(
      (
        await db
          .selectFrom('cases')
          .select([col, (eb) => eb.fn.countAll<string>().as('n')])
          .groupBy(col)
          .execute()
      ).map((r) => [r[col], Number(r.n)]),
    );
  return {
    products: await count('products'),
    resellers: await count('resellers'),
    sites: await count('sites'),
    listings: await count('listings'),
    observations: await count('observations'),
    cases: await count('cases'),
    caseEvents: await count('case_events'),
    evidence: await count('evidence'),
    findings: await count('findings'),
    outbox: await count('outbox'),
    byStatus: await groups('status'),
    bySeverity: await groups('severity'),
    seconds: {},
  };
}

/** Script payloads where a catalog or a crawled page could put them; the first open case carries them. */
async function makeHostile(db: Kysely<Database>): Promise<void> {
  const c = await db
    .selectFrom('cases as c')
    .innerJoin('listings as l', 'l.id', 'c.listing_id')
    .innerJoin('sites as s', 's.id', 'l.site_id')
    .select(['c.id', 'l.id as listing_id', 'l.product_id', 's.reseller_id'])
    .where('c.status', '=', 'open')
    .orderBy('c.id')
    .executeTakeFirstOrThrow();
  await db.updateTable('products').set({ name: HOSTILE.product }).where('id', '=', c.product_id).execute();
  await db.updateTable('resellers').set({ name: HOSTILE.reseller }).where('id', '=', c.reseller_id).execute();
  await db.updateTable('cases').set({ seller: HOSTILE.seller }).where('id', '=', c.id).execute();
  await db
    .updateTable('observations')
    .set({ product_name: HOSTILE.pageProduct, seller: HOSTILE.seller })
    .where('listing_id', '=', c.listing_id)
    .where('product_name', 'is not', null)
    .execute();
  const obs = await db
    .selectFrom('observations')
    .select(['id', 'captured_at'])
    .where('listing_id', '=', c.listing_id)
    .where('status', '=', 'ok')
    .orderBy('captured_at', 'desc')
    .executeTakeFirstOrThrow();
  await db
    .insertInto('findings')
    .values({
      observation_id: obs.id,
      listing_id: c.listing_id,
      kind: 'unauthorized_seller',
      detail: JSON.stringify({
        authorized: ['Official Store'],
        sellers: [
          {
            seller: HOSTILE.seller,
            amount: '9.99',
            currency: 'USD',
            below_map: true,
            percent_below: 80,
            map_minor: 4999,
          },
        ],
      }),
      at: obs.captured_at,
    })
    .onConflict((oc) => oc.columns(['observation_id', 'kind']).doNothing())
    .execute();
}

/**
 * Evidence for every violating read of every case, chained in id order as record-evidence.ts
 * chains it (sha256 over the canonical manifest, then prev + manifest), so `evidence verify
 * --db` and the case page's "verifies" agree. Computed here, inserted in batches.
 */
async function seedEvidence(
  db: Kysely<Database>,
  store: EvidenceStore | undefined,
  now: Date,
  fullCases: number,
): Promise<number> {
  const firstCase =
    (
      await db
        .selectFrom('cases')
        .select((eb) => eb.fn.min('id').as('id'))
        .executeTakeFirst()
    )?.id ?? 0;
  const shots = store ? await Promise.all([0, 1, 2, 3].map((v) => store.put(screenshotPng(v)))) : [];
  let prev = GENESIS_SHA256;
  let lastId = 0;
  let total = 0;
  for (;;) {
    const rows = await db
      .selectFrom('case_events as e')
      .innerJoin('cases as c', 'c.id', 'e.case_id')
      .innerJoin('observations as o', 'o.id', 'e.observation_id')
      .innerJoin('listings as l', 'l.id', 'o.listing_id')
      .innerJoin('sites as s', 's.id', 'l.site_id')
      .innerJoin('resellers as r', 'r.id', 's.reseller_id')
      .innerJoin('products as p', 'p.id', 'l.product_id')
      .select([
        'e.id as event_id',
        'c.id as case_id',
        'o.id',
        'o.captured_at',
        'o.status',
        'o.amount_minor',
        'o.currency',
        'o.normalized_minor',
        'o.map_minor',
        'o.raw_price_text',
        'o.verdict_detail',
        'o.final_url',
        'l.id as listing_id',
        'l.url',
        's.name as site',
        'r.name as reseller',
        'p.sku',
      ])
      .where((eb) =>
        eb.or([
          eb('e.kind', '=', 'opened'),
          eb.and([eb('e.kind', '=', 'observed'), eb('c.id', '<', firstCase + fullCases)]),
        ]),
      )
      .where('e.id', '>', lastId)
      .orderBy('e.id')
      .limit(2000)
      .execute();
    if (!rows.length) break;
    lastId = rows[rows.length - 1]!.event_id;
    const values = rows.map((r) => {
      const shot = shots.length ? shots[r.id % shots.length]! : undefined;
      const sha = shot?.sha256 ?? sha256Of(`seed screenshot ${r.id}`);
      const manifest: Manifest = {
        version: 1,
        case_id: r.case_id,
        observation_id: r.id,
        listing_id: r.listing_id,
        site: r.site,
        reseller: r.reseller,
        sku: r.sku,
        render: 'browser',
        requested_url: r.url,
        final_url: r.final_url,
        captured_at: new Date(r.captured_at).toISOString(),
        user_agent: 'mapwatch-seed',
        server_ip: '192.0.2.10',
        tls: null,
        http_status: 200,
        status: r.status,
        reason: null,
        offer: { amount: ((r.amount_minor ?? 0) / 100).toFixed(2), currency: r.currency, raw: r.raw_price_text },
        verdict: (typeof r.verdict_detail === 'string' ? JSON.parse(r.verdict_detail) : r.verdict_detail) as Record<
          string,
          unknown
        >,
        map_rule: null,
        findings: [],
        recheck: null,
        files: [
          {
            role: 'screenshot_viewport',
            key: shot?.key ?? `sha256/${sha.slice(0, 2)}/${sha.slice(2, 4)}/${sha}`,
            sha256: sha,
            size: shot?.size ?? 0,
            mime: 'image/png',
          },
        ],
        observation: observationFacts(r),
      };
      const mSha = manifestSha256(manifest);
      const chain = chainSha256(prev, mSha);
      const row = {
        case_id: r.case_id,
        observation_id: r.id,
        captured_at: manifest.captured_at,
        manifest_sha256: mSha,
        prev_sha256: prev,
        chain_sha256: chain,
        storage_keys: manifest.files.map((f) => f.key),
        manifest: JSON.stringify(manifest),
        created_at: now,
      };
      prev = chain;
      return row;
    });
    await db.insertInto('evidence').values(values).execute();
    total += values.length;
  }
  return total;
}

function sha256Of(s: string): string {
  return manifestSha256(s);
}

/**
 * A 640×400 PNG that looks like a product page: a header bar, a picture block and a red
 * price tag, in one of four colour schemes. Real PNG bytes (the thumbnailer reads them).
 */
export function screenshotPng(variant: number): Buffer {
  const w = 640;
  const h = 400;
  const palette: [number, number, number][] = [
    [37, 99, 235],
    [5, 150, 105],
    [124, 58, 237],
    [217, 119, 6],
  ];
  const [hr, hg, hb] = palette[variant % palette.length]!;
  const raw = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) {
    const row = y * (w * 3 + 1);
    raw[row] = 0; // filter: none
    for (let x = 0; x < w; x++) {
      let c: [number, number, number] = [248, 250, 252];
      if (y < 48) c = [hr, hg, hb];
      else if (x > 40 && x < 300 && y > 80 && y < 340) c = [203, 213, 225];
      else if (x > 340 && x < 600 && y > 90 && y < 110) c = [51, 65, 85];
      else if (x > 340 && x < 520 && y > 130 && y < 146) c = [148, 163, 184];
      else if (x > 340 && x < 470 && y > 180 && y < 230) c = [220, 38, 38];
      raw[row + 1 + x * 3] = c[0];
      raw[row + 2 + x * 3] = c[1];
      raw[row + 3 + x * 3] = c[2];
    }
  }
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
