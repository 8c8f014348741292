/**
 * `mapwatch crawl`'s sync: the site configs of a folder read and synced one file at a time,
 * each site kept afterwards without its listings (the sweep reads them back from the database a
 * page at a time, src/check/page-listings.ts).
 *
 * Why not loadSites + syncValidSites: both hold every listing of every config at once. At
 * 100,000 listings on 100 sites the parsed configs are about 34 MB of live heap (360 bytes a
 * listing: the listing, where it was declared, the parsed config's own copy), and parsing them
 * all before the first sync grew the heap to about 175 MB (a one-off probe, 2 December 2026):
 * as large as the whole 1,000-listing sweep. One file at a time, the sync's heap is that of the
 * largest config (issue 15, goal 6: flat memory).
 *
 * What a caller sees is what loadSites then syncValidSites gave: the same problems (a broken
 * config, a second site of one name, an unknown reseller or SKU), the sites in file order.
 *
 * The sites read are synced in groups of up to SITES_PER_STATEMENT sites and about
 * LISTINGS_PER_STATEMENT listings (a config larger than that is a group alone), each group in one
 * transaction: a transaction and five statements per site made a 100-site folder five hundred
 * round trips (issue 15). The heap held is a group's listings or the largest config, still flat.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/tables.js';
import type { InputProblem } from '../errors.js';
import { type LoadedSite, loadSiteFiles } from './load-sites.js';
import { LISTINGS_PER_STATEMENT, SITES_PER_STATEMENT, syncValidSites } from './sync-sites.js';

export interface SyncSiteFilesOptions {
  /** Only the site of this name (the others are read, to report their problems, but not synced). */
  only?: string;
  /** The database, asked for at the first site to sync: nothing to crawl opens none. */
  db: () => Promise<Kysely<Database>>;
}

export interface SyncedSiteFiles {
  /** The synced sites, in file order, without their listings. */
  sites: { id: number; site: LoadedSite }[];
  /** Configs that could not be read (file, line, field). */
  problems: InputProblem[];
  /** Valid configs not synced: their reseller or a SKU is not in the database. */
  skipped: InputProblem[];
  /** How many valid configs were chosen (synced or skipped). */
  chosen: number;
  /** Every valid site's name, chosen or not (for "no site named …"). */
  names: string[];
}

export async function syncSiteFiles(dir: string, opts: SyncSiteFilesOptions): Promise<SyncedSiteFiles> {
  const out: SyncedSiteFiles = { sites: [], problems: [], skipped: [], chosen: 0, names: [] };
  let group: LoadedSite[] = [];
  let listings = 0;
  const syncGroup = async () => {
    if (!group.length) return;
    const { synced, skipped } = await syncValidSites(await opts.db(), group, { listings: false });
    group = [];
    listings = 0;
    out.skipped.push(...skipped);
    for (const s of synced) out.sites.push({ id: s.id, site: withoutListings(s.site) });
  };
  for (const r of loadSiteFiles(dir)) {
    out.problems.push(...r.problems);
    if (!r.site) continue;
    out.names.push(r.site.name);
    if (opts.only !== undefined && r.site.name !== opts.only) continue;
    out.chosen++;
    // A group never goes past the limits by adding a site: it is written first.
    if (
      group.length >= SITES_PER_STATEMENT ||
      (group.length && listings + r.site.listings.length > LISTINGS_PER_STATEMENT)
    )
      await syncGroup();
    group.push(r.site);
    listings += r.site.listings.length;
  }
  await syncGroup();
  return out;
}

/** The site's settings only: its listings are in the database now. */
export function withoutListings(site: LoadedSite): LoadedSite {
  return Object.freeze({ ...site, listings: [], config: Object.freeze({ ...site.config, listings: [] }) });
}
