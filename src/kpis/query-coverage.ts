/**
 * Coverage: of the active listings, how many have a trustworthy read in the 24 hours before
 * `now`, by dimension, to the read ("the last 24 hours" never matches a rollup day). From
 * each listing's last compared read (listing_last_reads, kept by triggers on every write,
 * migrations/20261205010000): one before the window means none in it, one in it is one; only
 * a listing read after `now` (a window in the past) is probed in observations, through their
 * (listing_id, captured_at) index. Probing every listing took up to 244 ms at 24,000 listings.
 * Coverage is a share of listings, and a marketplace listing has no one seller (its offers
 * change hands), so there is none by seller: that dimension gets no rows.
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/tables.js';
import { DIMENSION_SQL, type KpiDimension } from './kpi-dimensions.js';

export interface CoverageRow {
  key: string;
  listings: number;
  covered: number;
  /** covered ÷ listings, in percent; null without listings. */
  coverage: number | null;
}

export async function queryCoverage(db: Kysely<Database>, o: { by: KpiDimension; now?: Date }): Promise<CoverageRow[]> {
  if (o.by === 'seller') return [];
  const now = o.now ?? new Date();
  const since = new Date(now.getTime() - 86_400_000);
  const r = await sql<{ key: string; listings: string; covered: string }>`
    select ${sql.raw(DIMENSION_SQL[o.by])} as key, count(*) as listings,
      count(*) filter (where lr.last_read_at > ${since} and (lr.last_read_at <= ${now} or exists (
        select 1 from observations ob
        where ob.listing_id = l.id and ob.captured_at > ${since} and ob.captured_at <= ${now}
          and ob.status = 'ok' and ob.verdict in ('compliant', 'violation')))) as covered
    from listings l
    join sites s on s.id = l.site_id
    join resellers rs on rs.id = s.reseller_id
    join products p on p.id = l.product_id
    left join listing_last_reads lr on lr.listing_id = l.id
    where l.active
    group by 1 order by 1`.execute(db);
  return r.rows.map((x) => {
    const listings = Number(x.listings);
    const covered = Number(x.covered);
    return { key: x.key, listings, covered, coverage: listings ? (100 * covered) / listings : null };
  });
}
