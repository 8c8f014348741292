/**
 * Computes the daily KPI rollup (daily_rollups) for a range of reporting days, set-based:
 * one DELETE and one INSERT … SELECT per range in a transaction, so a re-run gives the same
 * rows, a backfill is just a wider range, and days whose rows vanished (a purged listing)
 * lose them. Days are calendar days in the reporting time zone (MAPWATCH_REPORT_TIME_ZONE).
 *
 * What counts:
 * - a read is trustworthy when it was read (status ok), compared (compliant or violation),
 *   and not the first read of a re-check that the second read contradicted;
 * - the advertised price is the price as shown (gross); depth below MAP and the variance
 *   against MSRP use the comparable price (after VAT and pack rules), like the comparison;
 * - the MSRP is the list price of the MAP row in effect at the read, in the read's currency;
 * - a listing is compliant at day's end when its last trustworthy read of the day was.
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/tables.js';
import { InvalidInputError } from '../errors.js';

export interface RollUpDaysOptions {
  /** First and last reporting day (YYYY-MM-DD), inclusive. */
  from: string;
  to: string;
  timeZone: string;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function checkDay(name: string, v: string): string {
  if (!DAY.test(v) || Number.isNaN(Date.parse(`${v}T00:00:00Z`)))
    throw new InvalidInputError(`${name}: must be a date as YYYY-MM-DD, got "${v}"`);
  return v;
}

/** Rolls up [from, to]; returns the number of rows written. */
export async function rollUpDays(db: Kysely<Database>, o: RollUpDaysOptions): Promise<number> {
  checkDay('from', o.from);
  checkDay('to', o.to);
  if (o.from > o.to) throw new InvalidInputError(`from ${o.from} is after to ${o.to}`);
  const tz = o.timeZone;
  return db.transaction().execute(async (trx) => {
    await sql`delete from daily_rollups where day between ${o.from}::date and ${o.to}::date`.execute(trx);
    const r = await sql`
      with bounds as (
        select (${o.from}::date::timestamp at time zone ${tz}) as t0,
               ((${o.to}::date + 1)::timestamp at time zone ${tz}) as t1
      ),
      obs as (
        select o.id, o.listing_id, l.site_id, l.product_id, o.captured_at, o.status, o.verdict,
               o.amount_minor, o.normalized_minor, o.map_minor, o.currency,
               (o.captured_at at time zone ${tz})::date as day,
               (o.status = 'ok' and o.verdict in ('compliant', 'violation')
                and not exists (select 1 from rechecks rc where rc.first_observation_id = o.id and not rc.agreed)) as trusted
        from observations o
        join listings l on l.id = o.listing_id
        cross join bounds b
        where o.captured_at >= b.t0 and o.captured_at < b.t1
      ),
      -- The MAP windows cut into elementary intervals, each with the window compareToMap picks
      -- there (latest start wins; on a tie the lower MAP), so each read joins exactly one row
      -- by hash and range instead of a sorted probe per read.
      pts as (
        select product_id, upper(currency) as cur, effective_from as t from map_prices
        union
        select product_id, upper(currency), effective_to from map_prices where effective_to is not null
      ),
      seg as (
        select product_id, cur, t as t0, lead(t) over (partition by product_id, cur order by t) as t1 from pts
      ),
      seg_msrp as (
        select distinct on (sg.product_id, sg.cur, sg.t0) sg.product_id, sg.cur, sg.t0, sg.t1, mp.list_minor
        from seg sg
        join map_prices mp on mp.product_id = sg.product_id and upper(mp.currency) = sg.cur
          and mp.effective_from <= sg.t0 and (mp.effective_to is null or mp.effective_to > sg.t0)
        order by sg.product_id, sg.cur, sg.t0, mp.effective_from desc, mp.map_minor asc
      ),
      msrp as (
        select ob.id, sm.list_minor
        from obs ob
        join seg_msrp sm on sm.product_id = ob.product_id and sm.cur = upper(ob.currency)
          and ob.captured_at >= sm.t0 and (sm.t1 is null or ob.captured_at < sm.t1)
        where ob.trusted and ob.normalized_minor is not null and sm.list_minor is not null
      ),
      read_agg as (
        select ob.day, ob.site_id, ob.product_id,
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
          count(m.list_minor) filter (where m.list_minor > 0) as msrp_reads,
          coalesce(sum((ob.normalized_minor - m.list_minor)::numeric / m.list_minor) filter (where m.list_minor > 0), 0)
            as sum_msrp_variance,
          count(distinct ob.listing_id) filter (where ob.trusted) as listings_covered
        from obs ob left join msrp m on m.id = ob.id
        group by ob.day, ob.site_id, ob.product_id
      ),
      last_read as (
        select distinct on (ob.listing_id, ob.day) ob.day, ob.site_id, ob.product_id, ob.verdict
        from obs ob where ob.trusted
        order by ob.listing_id, ob.day, ob.captured_at desc, ob.id desc
      ),
      eod as (
        select day, site_id, product_id, count(*) as eod_listings,
               count(*) filter (where verdict = 'compliant') as eod_compliant_listings
        from last_read group by day, site_id, product_id
      ),
      days as (
        select d::date as day, (d::timestamp at time zone ${tz}) as t0, ((d + interval '1 day')::timestamp at time zone ${tz}) as t1
        from generate_series(${o.from}::date, ${o.to}::date, interval '1 day') d
      ),
      case_agg as (
        select d.day, l.site_id, l.product_id,
          count(*) filter (where c.first_seen_at >= d.t0 and c.first_seen_at < d.t1) as cases_opened,
          count(*) filter (where c.status = 'resolved' and c.closed_at >= d.t0 and c.closed_at < d.t1) as cases_resolved,
          count(*) filter (where c.first_seen_at < d.t1 and (c.closed_at is null or c.closed_at >= d.t1)) as cases_open_eod
        from days d
        join cases c on c.first_seen_at < d.t1 and (c.closed_at is null or c.closed_at >= d.t0)
        join listings l on l.id = c.listing_id
        group by d.day, l.site_id, l.product_id
      ),
      notice_agg as (
        select (n.sent_at at time zone ${tz})::date as day, l.site_id, l.product_id,
          count(*) filter (where n.step = 1) as notices_step1,
          count(*) filter (where n.step = 2) as notices_step2,
          count(*) filter (where n.step >= 3) as notices_step3
        from notices n join cases c on c.id = n.case_id join listings l on l.id = c.listing_id
        cross join bounds b
        where n.status = 'sent' and n.sent_at >= b.t0 and n.sent_at < b.t1
        group by 1, l.site_id, l.product_id
      ),
      keys as (
        select day, site_id, product_id from read_agg
        union select day, site_id, product_id from case_agg
        union select day, site_id, product_id from notice_agg
      )
      insert into daily_rollups (day, site_id, product_id, reseller_id, currency, reads, trustworthy_reads,
        compliant_reads, violating_reads, blocked_reads, min_price_minor, sum_price_minor, sum_depth_pct,
        max_depth_pct, msrp_reads, sum_msrp_variance, listings_covered, eod_listings, eod_compliant_listings,
        cases_opened, cases_resolved, cases_open_eod, notices_step1, notices_step2, notices_step3)
      select k.day, k.site_id, k.product_id, s.reseller_id, r.currency,
        coalesce(r.reads, 0), coalesce(r.trustworthy_reads, 0), coalesce(r.compliant_reads, 0),
        coalesce(r.violating_reads, 0), coalesce(r.blocked_reads, 0),
        case when r.currency is not null then r.min_price_minor end,
        case when r.currency is not null then coalesce(r.sum_price_minor, 0) else 0 end,
        coalesce(r.sum_depth_pct, 0), r.max_depth_pct, coalesce(r.msrp_reads, 0), coalesce(r.sum_msrp_variance, 0),
        coalesce(r.listings_covered, 0), coalesce(e.eod_listings, 0), coalesce(e.eod_compliant_listings, 0),
        coalesce(c.cases_opened, 0), coalesce(c.cases_resolved, 0), coalesce(c.cases_open_eod, 0),
        coalesce(n.notices_step1, 0), coalesce(n.notices_step2, 0), coalesce(n.notices_step3, 0)
      from keys k
      join sites s on s.id = k.site_id
      left join read_agg r using (day, site_id, product_id)
      left join eod e using (day, site_id, product_id)
      left join case_agg c using (day, site_id, product_id)
      left join notice_agg n using (day, site_id, product_id)
    `.execute(trx);
    return Number(r.numAffectedRows ?? 0);
  });
}
