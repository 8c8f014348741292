/**
 * The active listings of a sweep's sites, read from the database a page at a time, in
 * round-robin order across the sites: the first listing of every site, then the second, …
 * (issue 15, goal 6). A sweep of 100,000 listings held every one of them in memory (the
 * configs' listings and the synced rows, about 0.6 KB of live heap each, and the heap V8 grows
 * on top); paged, it holds one page, whatever the number of listings.
 *
 * Round-robin, so per-domain politeness does not serialise the sweep: in site order, every
 * worker would queue on the first site's gate while the other domains sit idle. Each page
 * reads, for every site that still has listings, its next `k` listings after the last id it
 * gave (keyset pagination on the listings_site_active_id index: no OFFSET, no sort of the
 * whole site), with k = pageSize ÷ the sites left; the page is then laid out round by round.
 * A site that gave fewer than k is done. Pages follow one another round for round, so the
 * order is exactly that of the whole lists interleaved, within a site by listing id.
 *
 * Every active listing is visited, as the queue's fan-out does (crawl-jobs.ts): the config's
 * listings (the sync just activated them) and those discovery added.
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/tables.js';
import { selectInChunks } from '../db/chunks.js';

export interface PagedListing {
  id: number;
  siteId: number;
  productId: number;
  url: string;
  packSize: number;
}

export interface ListingPagesOptions {
  /** About how many listings a page holds (at least one per site left). Default 1,000. */
  pageSize?: number;
}

/** How many active listings the sites have, and of which products (the sweep's rules and progress). */
export async function countActiveListings(
  db: Kysely<Database>,
  siteIds: readonly number[],
): Promise<{ total: number; productIds: number[] }> {
  const rows = await selectInChunks([...new Set(siteIds)], (slice) =>
    db
      .selectFrom('listings')
      .select((eb) => ['product_id', eb.fn.countAll<string>().as('n')])
      .where('site_id', 'in', slice)
      .where('active', '=', true)
      .groupBy('product_id')
      .execute(),
  );
  const productIds = [...new Set(rows.map((r) => r.product_id))];
  return { total: rows.reduce((n, r) => n + Number(r.n), 0), productIds };
}

/** Pages of active listings in round-robin order across `siteIds` (in the order given). */
export async function* pageListings(
  db: Kysely<Database>,
  siteIds: readonly number[],
  opts: ListingPagesOptions = {},
): AsyncGenerator<PagedListing[]> {
  const pageSize = Math.max(1, Math.floor(opts.pageSize ?? 1000));
  // Each site once, in the order given; its cursor is the last listing id it gave (0: none yet).
  let left = [...new Set(siteIds)].map((id) => ({ id, after: 0 }));
  while (left.length) {
    const k = Math.max(1, Math.ceil(pageSize / left.length));
    const { rows } = await sql<{ id: number; site_id: number; product_id: number; url: string; pack_size: number }>`
      select l.id, l.site_id, l.product_id, l.url, l.pack_size
      from unnest(${left.map((s) => s.id)}::int[], ${left.map((s) => s.after)}::int[]) as c(site_id, after_id)
      cross join lateral (
        select id, site_id, product_id, url, pack_size from listings
        where site_id = c.site_id and active and id > c.after_id
        order by id limit ${k}
      ) l`.execute(db);
    const bySite = new Map<number, PagedListing[]>();
    for (const r of rows) {
      let list = bySite.get(r.site_id);
      if (!list) bySite.set(r.site_id, (list = []));
      list.push({ id: r.id, siteId: r.site_id, productId: r.product_id, url: r.url, packSize: r.pack_size });
    }
    // Ids ascend within a site (the order the statement does not promise once rows are joined).
    for (const list of bySite.values()) list.sort((a, b) => a.id - b.id);
    const lists = left.map((s) => bySite.get(s.id) ?? []);
    const page: PagedListing[] = [];
    for (let round = 0; round < k; round++) for (const list of lists) if (round < list.length) page.push(list[round]!);
    // A site that gave a full k may have more; one that gave fewer is done.
    left = left.flatMap((s, i) => (lists[i]!.length === k ? [{ id: s.id, after: lists[i]![k - 1]!.id }] : []));
    if (page.length) yield page;
  }
}
