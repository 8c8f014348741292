/**
 * Computes the daily KPI rollups for a range of reporting days, set-based: daily_rollups
 * (day × site × product) and daily_seller_rollups (the same split by marketplace seller),
 * deleted and rewritten for the range in one transaction by one INSERT statement that reads
 * the observations once, then daily_dimension_rollups (day × dimension value) from those
 * rows (roll-up-dimensions.ts), so a re-run gives the same rows, a backfill is just a wider range,
 * and days whose rows vanished (a purged listing) lose them. Days are calendar days in the
 * reporting time zone (MAPWATCH_REPORT_TIME_ZONE).
 *
 * What counts:
 * - a read is trustworthy when it was read (status ok), compared (compliant or violation),
 *   and not the first read of a re-check that the second read contradicted;
 * - the advertised price is the price as shown (gross); depth below MAP and the variance
 *   against MSRP use the comparable price (after VAT and pack rules), like the comparison;
 * - the MSRP is the list price of the MAP row in effect at the read, in the read's currency;
 * - a listing is compliant at day's end when its last trustworthy read of the day was;
 * - a read's seller is the one its page names on the primary offer (observations.seller),
 *   a case's is the seller of its latest violating read (cases.seller); none: the reseller.
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/tables.js';
import { InvalidInputError } from '../errors.js';
import { rollUpBlocks } from './roll-up-blocks.js';
import { rollUpDimensions } from './roll-up-dimensions.js';
import { grainCtes, listingDayCtes, SELLER_GRAIN, sellerKeySql, SITE_PRODUCT_GRAIN } from './rollup-grain-sql.js';

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

/** Rolls up [from, to]; returns the number of day × site × product rows written. */
export async function rollUpDays(db: Kysely<Database>, o: RollUpDaysOptions): Promise<number> {
  checkDay('from', o.from);
  checkDay('to', o.to);
  if (o.from > o.to) throw new InvalidInputError(`from ${o.from} is after to ${o.to}`);
  return db.transaction().execute(async (trx) => {
    // The statement hashes the range's reads by listing-day (numeric sums: a few kB a group);
    // spilling to disk at the default 4 MB work_mem costs more than the memory (this
    // transaction only).
    await sql`set local work_mem = '256MB'`.execute(trx);
    // No JIT: its estimates put these wide statements over jit_above_cost, and compiling them
    // (90-odd functions) cost more than it saved on a rollup of 1,000,000 reads (0.5-1 s of
    // the dimension step alone).
    await sql`set local jit = off`.execute(trx);
    for (const t of ['daily_rollups', 'daily_seller_rollups'])
      await sql`delete from ${sql.table(t)} where day between ${o.from}::date and ${o.to}::date`.execute(trx);
    // The reads are grouped by listing-day (~6 reads each), but the planner cannot know that
    // (the day is an expression of each read's time): it expects a group per read, and then
    // sorts the whole range rather than hash it (at 1,000,000 reads a 1.5 s sort and a 1.5 s
    // grouping, against 2 s hashed). Sorts stay where nothing else can do the job (the
    // inserts' key order).
    await sql`set local enable_sort = off`.execute(trx);
    const r = await rollUpStatement({ ...o, ...(await rangeBounds(trx, o)) }).execute(trx);
    await sql`set local enable_sort = on`.execute(trx);
    // Then the per-dimension rows of the same days, from the rows just written, and the
    // blocks of days holding them (roll-up-blocks.ts).
    await rollUpDimensions(trx, o);
    await rollUpBlocks(trx, o);
    return Number(r.rows[0]?.rows ?? 0);
  });
}

/**
 * The instants the range starts and ends at (midnight in the reporting zone), as text with
 * their offset. The rollup statement compares the reads to them as values, not as an
 * expression: the planner then sees how many reads the range holds, and scans the table when
 * it is most of it (the index took 3× longer over 983,333 of 1,000,000 reads) and the index
 * for the incremental rollup's day or two.
 */
async function rangeBounds(trx: Kysely<Database>, o: RollUpDaysOptions): Promise<{ t0: string; t1: string }> {
  const r = await sql<{ t0: string; t1: string }>`
    select (${o.from}::date::timestamp at time zone ${o.timeZone})::text as t0,
           ((${o.to}::date + 1)::timestamp at time zone ${o.timeZone})::text as t1`.execute(trx);
  return r.rows[0]!;
}

/** The one statement that writes both rollups for [from, to] (the range's rows deleted first). */
export function rollUpStatement(o: RollUpDaysOptions & { t0: string; t1: string }) {
  const tz = o.timeZone;
  return sql<{ rows: string }>`
      with bounds as (
        select ${o.t0}::timestamptz as t0, ${o.t1}::timestamptz as t1
      ),
      -- The MAP windows cut into elementary intervals, each with the window compareToMap picks
      -- there (latest start wins; on a tie the lower MAP), so each read joins at most one row
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
      -- First reads of a re-check that the second read contradicted (joined, not probed per read).
      discredited as (
        select distinct first_observation_id as id from rechecks where not agreed
      ),
      obs as (
        select o.id, o.listing_id, l.site_id, l.product_id, o.captured_at, o.status, o.verdict,
               o.amount_minor, o.normalized_minor, o.map_minor, o.currency, o.seller,
               ${sql.raw(sellerKeySql('o.seller'))} as seller_key,
               (o.captured_at at time zone ${tz})::date as day,
               t.trusted,
               case when t.trusted and o.normalized_minor is not null then sm.list_minor end as list_minor
        from observations o
        join listings l on l.id = o.listing_id
        left join discredited dc on dc.id = o.id
        -- observations.currency is upper case already (its check constraint): no upper() per read.
        left join seg_msrp sm on sm.product_id = l.product_id and sm.cur = o.currency
          and o.captured_at >= sm.t0 and (sm.t1 is null or o.captured_at < sm.t1)
        cross join lateral (
          select o.status = 'ok' and o.verdict in ('compliant', 'violation') and dc.id is null as trusted
        ) t
        where o.captured_at >= ${o.t0}::timestamptz and o.captured_at < ${o.t1}::timestamptz
        -- A fence: without it the planner pulls these columns up into l1 as expressions, and
        -- trusted (two text comparisons and the re-check test) and the seller key were
        -- evaluated again in each of l1's filters, ten times a read (a third of its aggregate).
        offset 0
      ),
      days as (
        select d::date as day, (d::timestamp at time zone ${tz}) as t0, ((d + interval '1 day')::timestamp at time zone ${tz}) as t1
        from generate_series(${o.from}::date, ${o.to}::date, interval '1 day') d
      ),
      cases_in as (
        select d.day, l.site_id, l.product_id, ${sql.raw(sellerKeySql('c.seller'))} as seller_key,
          (c.first_seen_at >= d.t0 and c.first_seen_at < d.t1) as opened,
          (c.status = 'resolved' and c.closed_at >= d.t0 and c.closed_at < d.t1) as resolved,
          (c.first_seen_at < d.t1 and (c.closed_at is null or c.closed_at >= d.t1)) as open_eod
        from days d
        join cases c on c.first_seen_at < d.t1 and (c.closed_at is null or c.closed_at >= d.t0)
        join listings l on l.id = c.listing_id
      ),
      notices_in as (
        select (n.sent_at at time zone ${tz})::date as day, l.site_id, l.product_id,
          ${sql.raw(sellerKeySql('c.seller'))} as seller_key, n.step
        from notices n join cases c on c.id = n.case_id join listings l on l.id = c.listing_id
        cross join bounds b
        where n.status = 'sent' and n.sent_at >= b.t0 and n.sent_at < b.t1
      )
      ${sql.raw(listingDayCtes())}
      ${sql.raw(grainCtes(SITE_PRODUCT_GRAIN))}
      ${sql.raw(grainCtes(SELLER_GRAIN))}
      -- (ins_sel runs all the same: a data-modifying CTE always runs to completion.)
      select count(*) as rows from ins_sp
    `;
}
