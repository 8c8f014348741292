/**
 * The per-grain half of the daily rollup's statement (roll-up-days.ts). The statement first
 * aggregates the range's reads once per day × listing × seller (`l1`, hashed: no sort of the
 * reads), then each grain adds those rows up:
 * - daily_rollups: day × site × product, its day's-end figures from `l1sp` (the last read
 *   of each listing-day, whoever the seller);
 * - daily_seller_rollups: day × site × product × seller (the seller the page names on the
 *   primary offer, '' when it names none: the reseller itself), from `l1`.
 * Each source row is one listing in its group, so listings covered and the listing-days at
 * day's end are counts of rows. A listing-day's last trustworthy read is the greatest
 * [epoch seconds, id, compliant] array, the order a `distinct on … order by captured_at desc,
 * id desc` picks: the epoch as float8 is one correctly rounded division of the µs count, so
 * it keeps the order of timestamps (a µs is over two float8 steps until the year 2106) and
 * equal ones stay equal, for the id to decide; ids fit a float8 exactly.
 * Static SQL text only (no values): the caller's statement carries the parameters.
 */

export interface RollupGrain {
  /** CTE name suffix. */
  name: string;
  table: 'daily_rollups' | 'daily_seller_rollups';
  /** The CTE of per-listing rows its day's-end figures count. */
  source: 'l1' | 'l1sp';
  /** Grouping columns of the source, cases_in and notices_in. */
  keys: readonly string[];
  /** Extra columns written (besides the keys), with the aggregate of the source that fills each. */
  extra?: readonly { column: string; agg: string }[];
  /**
   * How the grain meets `split_sp`, the day × site × product groups where some read, case or
   * notice names a marketplace seller: the site × product grain marks the others
   * `only_reseller`; the seller grain writes rows for split groups only (the others' one
   * seller row would be a copy of their site × product row: SELLER_ROLLUP_ROWS reads it there).
   */
  split: 'mark' | 'only';
}

export const SITE_PRODUCT_GRAIN: RollupGrain = {
  name: 'sp',
  table: 'daily_rollups',
  source: 'l1sp',
  keys: ['day', 'site_id', 'product_id'],
  split: 'mark',
};

export const SELLER_GRAIN: RollupGrain = {
  name: 'sel',
  table: 'daily_seller_rollups',
  source: 'l1',
  keys: ['day', 'site_id', 'product_id', 'seller_key'],
  // One spelling of the day (l1 has tidied it), code-point order, so every backend picks the same.
  extra: [{ column: 'seller_name', agg: 'min(ob.seller_name collate "C")' }],
  split: 'only',
};

const FINE_COLUMNS = `reads, trustworthy_reads, compliant_reads, violating_reads, blocked_reads, min_price_minor,
  sum_price_minor, sum_depth_pct, max_depth_pct, msrp_reads, sum_msrp_variance, listings_covered, eod_listings,
  eod_compliant_listings, cases_opened, cases_resolved, cases_open_eod, notices_step1, notices_step2, notices_step3,
  computed_at`;

/**
 * Every day × site × product × seller row, as a subquery (alias it): the rows stored in
 * daily_seller_rollups (groups split between sellers), and for the groups where nothing
 * names a seller their site × product row as the reseller's own (seller_key '', no name).
 * A filter on day outside it is pushed into both halves.
 */
export const SELLER_ROLLUP_ROWS = `(
    select day, site_id, product_id, reseller_id, seller_key, seller_name, currency, ${FINE_COLUMNS}
    from daily_seller_rollups
    union all
    select day, site_id, product_id, reseller_id, '' as seller_key, null::text as seller_name, currency, ${FINE_COLUMNS}
    from daily_rollups where only_reseller
  )`;

/**
 * sellerNameKey (src/catalog/seller-key.ts) in SQL: NFKC, trimmed, runs of white space made
 * one space, lower case; '' for no name.
 */
export const sellerKeySql = (col: string): string =>
  `coalesce(lower(regexp_replace(regexp_replace(normalize(${col}, NFKC), '^\\s+|\\s+$', '', 'g'), '\\s+', ' ', 'g')), '')`;

/**
 * The read aggregates of l1, over `obs`. The counts are integers (a listing-day's reads fit
 * many times over), so the grains add them up with sum(integer), a running bigint, rather
 * than sum(bigint), a numeric state allocated per group: the same figures, cheaper.
 * Depth below MAP and the variance against MSRP are ratios, summed here and in the grains as
 * float8 and stored (numeric columns) with its 15 significant digits: a numeric division and
 * sum per read cost a third of this aggregate's time, for digits no KPI shows (a KPI is a mean
 * of these sums, shown to a tenth of a percent).
 */
const readAggs = (): string =>
  `count(*)::integer as reads,
          (count(*) filter (where ob.trusted))::integer as trustworthy_reads,
          (count(*) filter (where ob.trusted and ob.verdict = 'compliant'))::integer as compliant_reads,
          (count(*) filter (where ob.trusted and ob.verdict = 'violation'))::integer as violating_reads,
          (count(*) filter (where ob.status = 'blocked'))::integer as blocked_reads,
          min(ob.currency collate "C") filter (where ob.trusted) as min_currency,
          max(ob.currency collate "C") filter (where ob.trusted) as max_currency,
          min(ob.amount_minor) filter (where ob.trusted) as min_price_minor,
          sum(ob.amount_minor) filter (where ob.trusted) as sum_price_minor,
          sum(100 * (ob.map_minor - ob.normalized_minor)::float8 / ob.map_minor)
            filter (where ob.trusted and ob.verdict = 'violation' and ob.map_minor > 0) as sum_depth_pct,
          max(100 * (ob.map_minor - ob.normalized_minor)::float8 / ob.map_minor)
            filter (where ob.trusted and ob.verdict = 'violation' and ob.map_minor > 0) as max_depth_pct,
          (count(ob.list_minor) filter (where ob.list_minor > 0))::integer as msrp_reads,
          sum((ob.normalized_minor - ob.list_minor)::float8 / ob.list_minor) filter (where ob.list_minor > 0)
            as sum_msrp_variance,
          max(array[date_part('epoch', ob.captured_at), ob.id::float8,
            case when ob.verdict = 'compliant' then 1 else 0 end]) filter (where ob.trusted) as last_read`;

/**
 * The shared CTEs (each preceded by a comma) over `obs` (the range's reads with trust, day,
 * seller key and MSRP): l1 per day × listing × seller, l1sp per day × listing, and split_sp
 * (from l1, cases_in and notices_in: the caller's statement defines the last two before these).
 */
export function listingDayCtes(): string {
  return `,
      l1 as (
        select ob.day, ob.listing_id, ob.site_id, ob.product_id, ob.seller_key,
          ${readAggs()},
          min(regexp_replace(btrim(ob.seller), '\\s+', ' ', 'g') collate "C") filter (where ob.seller_key <> '') as seller_name
        from obs ob
        group by ob.day, ob.listing_id, ob.site_id, ob.product_id, ob.seller_key
      ),
      l1sp as (
        select ob.day, ob.listing_id, ob.site_id, ob.product_id, max(ob.last_read) as last_read
        from l1 ob where ob.last_read is not null
        group by ob.day, ob.listing_id, ob.site_id, ob.product_id
      ),
      -- The day × site × product groups where something names a marketplace seller (a few:
      -- most listings are a reseller's own shop), hashed for the grains' semi-joins.
      split_sp as (
        select day, site_id, product_id from l1 where seller_key <> ''
        union
        select day, site_id, product_id from cases_in where seller_key <> ''
        union
        select day, site_id, product_id from notices_in where seller_key <> ''
      )`;
}

/**
 * The CTEs (each preceded by a comma) that aggregate `g`, ending in `ins_<name>` (the insert).
 * The day's-end counts come with the read sums when the grain's source is l1 itself (one
 * aggregate of l1 instead of two joined back); the keys of reads, cases and notices meet in
 * full joins (the cases and notices are the few rows hashed) rather than a union of all keys
 * hashed again and joined to each part.
 */
export function grainCtes(g: RollupGrain): string {
  const k = g.keys.join(', ');
  const obk = g.keys.map((c) => `ob.${c}`).join(', ');
  const n = g.name;
  const extra = g.extra ?? [];
  const eodAggs = `count(ob.last_read) as eod_listings,
          count(*) filter (where ob.last_read[3] = 1) as eod_compliant_listings`;
  const eodInRead = g.source === 'l1';
  const e = eodInRead ? 'r' : 'e';
  const only = g.split === 'only';
  const inSplit = only ? `where (day, site_id, product_id) in (select * from split_sp)` : '';
  return `,
      read_${n} as (
        select ${obk},
          sum(ob.reads) as reads, sum(ob.trustworthy_reads) as trustworthy_reads,
          sum(ob.compliant_reads) as compliant_reads, sum(ob.violating_reads) as violating_reads,
          sum(ob.blocked_reads) as blocked_reads,
          -- One currency among the trustworthy reads, else none.
          case when min(ob.min_currency) = max(ob.max_currency) then min(ob.min_currency) end as currency,
          min(ob.min_price_minor) as min_price_minor,
          coalesce(sum(ob.sum_price_minor), 0) as sum_price_minor,
          coalesce(sum(ob.sum_depth_pct), 0) as sum_depth_pct, max(ob.max_depth_pct) as max_depth_pct,
          sum(ob.msrp_reads) as msrp_reads, coalesce(sum(ob.sum_msrp_variance), 0) as sum_msrp_variance
          ${extra.map((e) => `, ${e.agg} as ${e.column}`).join('')}
          ${eodInRead ? `, ${eodAggs}` : ''}
        from l1 ob${
          only
            ? `
        where (ob.day, ob.site_id, ob.product_id) in (select * from split_sp)`
            : ''
        }
        group by ${obk}
      ),
      ${
        eodInRead
          ? ''
          : `eod_${n} as (
        select ${obk}, ${eodAggs} from ${g.source} ob group by ${obk}
      ),`
      }
      case_${n} as (
        select ${k}, count(*) filter (where opened) as cases_opened, count(*) filter (where resolved) as cases_resolved,
          count(*) filter (where open_eod) as cases_open_eod
        from cases_in ${inSplit} group by ${k}
      ),
      notice_${n} as (
        select ${k}, count(*) filter (where step = 1) as notices_step1, count(*) filter (where step = 2) as notices_step2,
          count(*) filter (where step >= 3) as notices_step3
        from notices_in ${inSplit} group by ${k}
      ),
      ins_${n} as (
        insert into ${g.table} (${k}, reseller_id, ${extra.map((e) => `${e.column}, `).join('')}currency, reads,
          trustworthy_reads, compliant_reads, violating_reads, blocked_reads, min_price_minor, sum_price_minor,
          sum_depth_pct, max_depth_pct, msrp_reads, sum_msrp_variance, listings_covered, eod_listings,
          eod_compliant_listings, cases_opened, cases_resolved, cases_open_eod, notices_step1, notices_step2, notices_step3
          ${only ? '' : ', only_reseller'})
        select ${k}, s.reseller_id, ${extra.map((e) => `r.${e.column}, `).join('')}r.currency,
          coalesce(r.reads, 0), coalesce(r.trustworthy_reads, 0), coalesce(r.compliant_reads, 0),
          coalesce(r.violating_reads, 0), coalesce(r.blocked_reads, 0),
          case when r.currency is not null then r.min_price_minor end,
          case when r.currency is not null then coalesce(r.sum_price_minor, 0) else 0 end,
          coalesce(r.sum_depth_pct, 0), r.max_depth_pct, coalesce(r.msrp_reads, 0), coalesce(r.sum_msrp_variance, 0),
          -- Listings with a trustworthy read that day: those with a last one.
          coalesce(${e}.eod_listings, 0), coalesce(${e}.eod_listings, 0), coalesce(${e}.eod_compliant_listings, 0),
          coalesce(c.cases_opened, 0), coalesce(c.cases_resolved, 0), coalesce(c.cases_open_eod, 0),
          coalesce(nt.notices_step1, 0), coalesce(nt.notices_step2, 0), coalesce(nt.notices_step3, 0)
          ${only ? '' : ', x.day is null'}
        -- The keys (unqualified below) are those the full joins merge: a group's from whichever part has it.
        from read_${n} r
        full join case_${n} c using (${k})
        full join notice_${n} nt using (${k})
        join sites s on s.id = site_id
        ${eodInRead ? '' : `left join eod_${n} e using (${k})`}
        ${only ? '' : 'left join split_sp x using (day, site_id, product_id)'}
        -- In primary key order: the hashed groups come out in no order, and a btree fed keys at
        -- random splits pages all over (a third more time than the sort, at 140,000 rows).
        order by ${k}
        returning 1
      )`;
}
