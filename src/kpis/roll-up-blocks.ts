/**
 * Rewrites the blocks (dimension_rollup_blocks, src/kpis/rollup-blocks.ts) that share a day
 * with [from, to], after the roll-up rewrote those days' per-dimension rows, in its
 * transaction. Smallest blocks first, each from the blocks and days it is made of (a week
 * from Monday–Thursday, Friday–Saturday and Sunday; four weeks from two fortnights), so each
 * block is the sum of its days' rows however often and in whatever ranges days are rolled
 * up: sums added, ref_id and label their least, histograms summed bucket by bucket.
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/tables.js';
import { BLOCK_LENGTHS, blockParts, blocksTouching } from './rollup-blocks.js';

/** The per-dimension columns a block adds up (all but day, the key and the histogram). */
const SUMS = `sum(reads) as reads, sum(trustworthy_reads) as trustworthy_reads, sum(compliant_reads) as compliant_reads,
        sum(violating_reads) as violating_reads, sum(blocked_reads) as blocked_reads, sum(sum_depth_pct) as sum_depth_pct,
        max(max_depth_pct) as max_depth_pct, sum(msrp_reads) as msrp_reads, sum(sum_msrp_variance) as sum_msrp_variance,
        sum(eod_listings) as eod_listings, sum(eod_compliant_listings) as eod_compliant_listings,
        sum(cases_opened) as cases_opened, sum(cases_resolved) as cases_resolved, sum(notices_sent) as notices_sent`;
const COLUMNS = `reads, trustworthy_reads, compliant_reads, violating_reads, blocked_reads, sum_depth_pct, max_depth_pct,
        msrp_reads, sum_msrp_variance, eod_listings, eod_compliant_listings, cases_opened, cases_resolved, notices_sent`;

/** A list as one text parameter (then string_to_array): any length, the same on every backend. */
const list = (xs: (string | number)[]) => xs.join(',');

/** Rewrites the blocks sharing a day with [from, to]; returns the block rows written. */
export async function rollUpBlocks(trx: Kysely<Database>, o: { from: string; to: string }): Promise<number> {
  // Two runs of different days can share a block (the same week): one at a time, so the
  // second rebuilds it from the first's committed parts rather than failing on its rows.
  await sql`select pg_advisory_xact_lock(hashtext('dimension_rollup_blocks'))`.execute(trx);
  let written = 0;
  for (const days of [...BLOCK_LENGTHS].reverse()) {
    const blocks = blocksTouching(o.from, o.to, days);
    // Each block's parts, as rows (block day, part day, part length).
    const map = blocks.flatMap((b) => blockParts(b).map((p) => [b.day, p.day, p.days] as const));
    await sql`delete from dimension_rollup_blocks
      where days = ${days} and day = any(string_to_array(${list(blocks.map((b) => b.day))}, ',')::date[])`.execute(trx);
    const r = await sql`
      with parts as (
        select * from unnest(string_to_array(${list(map.map((m) => m[0]))}, ',')::date[],
          string_to_array(${list(map.map((m) => m[1]))}, ',')::date[],
          string_to_array(${list(map.map((m) => m[2]))}, ',')::integer[]) as m(block, day, days)
      ),
      src as (
        select m.block, r.dimension, r.key, r.ref_id, r.label, ${sql.raw(COLUMNS)}, r.variance_buckets, r.variance_counts
        from parts m join daily_dimension_rollups r on r.day = m.day
        where m.days = 1
        union all
        select m.block, r.dimension, r.key, r.ref_id, r.label, ${sql.raw(COLUMNS)}, r.variance_buckets, r.variance_counts
        from parts m join dimension_rollup_blocks r on r.days = m.days and r.day = m.day
        where m.days > 1
      )
      insert into dimension_rollup_blocks (day, days, dimension, key, ref_id, label, ${sql.raw(COLUMNS)},
        variance_buckets, variance_counts, variance_text)
      select s.block, ${days}::smallint, s.dimension, s.key, s.ref_id, s.label, ${sql.raw(COLUMNS)},
        coalesce(h.buckets, '{}'), coalesce(h.counts, '{}'),
        coalesce(h.buckets, '{}')::text || coalesce(h.counts, '{}')::text
      from (
        select block, dimension, key, min(ref_id) as ref_id, min(label collate "C") as label, ${sql.raw(SUMS)},
          -- The parts' histograms end to end (a block has two or three parts), added up below.
          concat_int_arrays(variance_buckets) as bucket_list, concat_int_arrays(variance_counts) as count_list
        from src group by block, dimension, key
      ) s
      left join lateral (
        select array_agg(b order by b) as buckets, array_agg(n order by b) as counts
        from (select u.b, sum(u.n)::integer as n from unnest(s.bucket_list, s.count_list) as u(b, n) group by u.b) x
      ) h on true`.execute(trx);
    written += Number(r.numAffectedRows ?? 0);
  }
  return written;
}
