/**
 * concat_int_arrays(integer[]): the arrays of a group joined end to end (array_cat as an
 * aggregate). The KPI rollup sums a block's variance histograms from its two or three parts:
 * joining the parts' bucket and count arrays per block and adding them up per block is a few
 * elements at a time, where unnesting every part into one grouping of all blocks' buckets was
 * most of the blocks' time (issue 13: 1,000,000 reads rolled up in under 10 s).
 * This file must not import app code: migrations are frozen once shipped.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create aggregate concat_int_arrays(integer[]) (sfunc = array_cat, stype = integer[], initcond = '{}')`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop aggregate if exists concat_int_arrays(integer[])`.execute(db);
}
