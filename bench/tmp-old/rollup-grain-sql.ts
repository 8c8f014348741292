/**
 * The per-grain half of the daily rollup's statement (roll-up-days.ts): from the shared
 * `obm` (the range's reads with trust, reporting day, seller key and MSRP), `cases_in` and
 * `notices_in`, the aggregates of one grain and the insert into its table. Two grains share
 * one statement, so the reads are scanned and joined once:
 * - daily_rollups: day × site × product;
 * - daily_seller_rollups: day × site × product × seller (the seller the page names on the
 *   primary offer, '' when it names none: the reseller itself).
 * Static SQL text only (no values): the caller's statement carries the parameters.
 */

export interface RollupGrain {
  /** CTE name suffix. */
  name: string;
  table: 'daily_rollups' | 'daily_seller_rollups';
  /** Grouping columns of obm / cases_in / notices_in. */
  keys: readonly string[];
  /** Extra columns written (besides the keys), with the read aggregate that fills each. */
  extra?: readonly { column: string; readAgg: string }[];
}

export const SITE_PRODUCT_GRAIN: RollupGrain = {
  name: 'sp',
  table: 'daily_rollups',
  keys: ['day', 'site_id', 'product_id'],
};

export const SELLER_GRAIN: RollupGrain = {
  name: 'sel',
  table: 'daily_seller_rollups',
  keys: ['day', 'site_id', 'product_id', 'seller_key'],
  // One spelling of the day, white space tidied; code-point order, so every backend picks the same.
  extra: [
    {
      column: 'seller_name',
      readAgg: `min(regexp_replace(btrim(ob.seller), '\\s+', ' ', 'g') collate "C") filter (where ob.seller_key <> '')`,
    },
  ],
};

/**
 * sellerNameKey (src/catalog/seller-key.ts) in SQL: NFKC, trimmed, runs of white space made
 * one space, lower case; '' for no name.
 */
export const sellerKeySql = (col: string): string =>
  `coalesce(lower(regexp_replace(regexp_replace(normalize(${col}, NFKC), '^\\s+|\\s+$', '', 'g'), '\\s+', ' ', 'g')), '')`;

/** The CTEs (each preceded by a comma) that aggregate `g`, ending in `ins_<name>` (the insert). */
export function grainCtes(g: RollupGrain): string {
  const k = g.keys.join(', ');
  const obk = g.keys.map((c) => `ob.${c}`).join(', ');
  const n = g.name;
  const extra = g.extra ?? [];
  return `,
      read_${n} as (
        select ${obk},
          count(*) as reads,
          count(*) filter (where ob.trusted) as trustworthy_reads,
          count(*) filter (where ob.trusted and ob.verdict = 'compliant') as compliant_reads,
          count(*) filter (where ob.trusted and ob.verdict = 'violation') as violating_reads,
          count(*) filter (where ob.status = 'blocked') as blocked_reads,
          case when count(distinct ob.currency) filter (where ob.trusted) = 1
               then min(ob.currency) filter (where ob.trusted) end as currency,
          min(ob.amount_minor) filter (where ob.trusted) as min_price_minor,
          coalesce(sum(ob.amount_minor) filter (where ob.trusted), 0) as sum_price_minor,
          coalesce(sum(100.0 * (ob.map_minor - ob.normalized_minor) / ob.map_minor)
            filter (where ob.trusted and ob.verdict = 'violation' and ob.map_minor > 0), 0) as sum_depth_pct,
          max(100.0 * (ob.map_minor - ob.normalized_minor) / ob.map_minor)
            filter (where ob.trusted and ob.verdict = 'violation' and ob.map_minor > 0) as max_depth_pct,
          count(ob.list_minor) filter (where ob.list_minor > 0) as msrp_reads,
          coalesce(sum((ob.normalized_minor - ob.list_minor)::numeric / ob.list_minor) filter (where ob.list_minor > 0), 0)
            as sum_msrp_variance,
          count(distinct ob.listing_id) filter (where ob.trusted) as listings_covered
          ${extra.map((e) => `, ${e.readAgg} as ${e.column}`).join('')}
        from obm ob
        group by ${obk}
      ),
      eod_${n} as (
        select ${k}, count(*) as eod_listings, count(*) filter (where verdict = 'compliant') as eod_compliant_listings
        from (
          select distinct on (ob.listing_id, ${obk}) ${obk}, ob.verdict
          from obm ob where ob.trusted
          order by ob.listing_id, ${obk}, ob.captured_at desc, ob.id desc
        ) last_read
        group by ${k}
      ),
      case_${n} as (
        select ${k}, count(*) filter (where opened) as cases_opened, count(*) filter (where resolved) as cases_resolved,
          count(*) filter (where open_eod) as cases_open_eod
        from cases_in group by ${k}
      ),
      notice_${n} as (
        select ${k}, count(*) filter (where step = 1) as notices_step1, count(*) filter (where step = 2) as notices_step2,
          count(*) filter (where step >= 3) as notices_step3
        from notices_in group by ${k}
      ),
      keys_${n} as (
        select ${k} from read_${n} union select ${k} from case_${n} union select ${k} from notice_${n}
      ),
      ins_${n} as (
        insert into ${g.table} (${k}, reseller_id, ${extra.map((e) => `${e.column}, `).join('')}currency, reads,
          trustworthy_reads, compliant_reads, violating_reads, blocked_reads, min_price_minor, sum_price_minor,
          sum_depth_pct, max_depth_pct, msrp_reads, sum_msrp_variance, listings_covered, eod_listings,
          eod_compliant_listings, cases_opened, cases_resolved, cases_open_eod, notices_step1, notices_step2, notices_step3)
        select ${g.keys.map((c) => `kk.${c}`).join(', ')}, s.reseller_id, ${extra.map((e) => `r.${e.column}, `).join('')}r.currency,
          coalesce(r.reads, 0), coalesce(r.trustworthy_reads, 0), coalesce(r.compliant_reads, 0),
          coalesce(r.violating_reads, 0), coalesce(r.blocked_reads, 0),
          case when r.currency is not null then r.min_price_minor end,
          case when r.currency is not null then coalesce(r.sum_price_minor, 0) else 0 end,
          coalesce(r.sum_depth_pct, 0), r.max_depth_pct, coalesce(r.msrp_reads, 0), coalesce(r.sum_msrp_variance, 0),
          coalesce(r.listings_covered, 0), coalesce(e.eod_listings, 0), coalesce(e.eod_compliant_listings, 0),
          coalesce(c.cases_opened, 0), coalesce(c.cases_resolved, 0), coalesce(c.cases_open_eod, 0),
          coalesce(nt.notices_step1, 0), coalesce(nt.notices_step2, 0), coalesce(nt.notices_step3, 0)
        from keys_${n} kk
        join sites s on s.id = kk.site_id
        left join read_${n} r using (${k})
        left join eod_${n} e using (${k})
        left join case_${n} c using (${k})
        left join notice_${n} nt using (${k})
        returning 1
      )`;
}
