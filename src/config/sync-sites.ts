/**
 * Checks loaded site configs against the database (reseller and SKUs must exist) and
 * writes sites + listings, so crawls and cases always refer to rows. Listings that
 * disappear from a config are deactivated, never deleted: their history stays.
 *
 * `syncSites` is all or nothing (the scheduler syncs one site at a time); `syncValidSites`
 * writes the sites whose references resolve and reports the others, so one broken config
 * never stops the valid ones from being crawled.
 */
import type { Kysely } from 'kysely';
import { chunks, chunksOf, selectInChunks } from '../db/chunks.js';
import type { Database } from '../db/tables.js';
import { InputError, type InputProblem } from '../errors.js';
import type { LoadedSite } from './load-sites.js';

export interface SyncedListing {
  id: number;
  sku: string;
  url: string;
  packSize: number;
  productId: number;
}

export interface SyncedSite {
  id: number;
  site: LoadedSite;
  listings: SyncedListing[];
}

interface Refs {
  resellerIds: Map<string, number>;
  productIds: Map<string, number>;
  problems: InputProblem[];
  /** The same problems, per site (a CSV listing's problem names the CSV file). */
  problemsBySite: Map<LoadedSite, InputProblem[]>;
}

export async function resolveSiteRefs(db: Kysely<Database>, sites: readonly LoadedSite[]): Promise<Refs> {
  const names = [...new Set(sites.map((s) => s.config.reseller))];
  const skus = [...new Set(sites.flatMap((s) => s.listings.map((l) => l.sku)))];
  const resellers = await selectInChunks(names, (slice) =>
    db.selectFrom('resellers').select(['id', 'name']).where('name', 'in', slice).execute(),
  );
  const products = await selectInChunks(skus, (slice) =>
    db.selectFrom('products').select(['id', 'sku']).where('sku', 'in', slice).execute(),
  );
  const resellerIds = new Map(resellers.map((r) => [r.name, r.id]));
  const productIds = new Map(products.map((p) => [p.sku, p.id]));
  const problemsBySite = new Map<LoadedSite, InputProblem[]>();
  for (const s of sites) {
    const found: InputProblem[] = [];
    if (!resellerIds.has(s.config.reseller)) {
      found.push({
        file: s.file,
        line: s.resellerLine,
        field: 'reseller',
        message: `unknown reseller "${s.config.reseller}"; import it with \`mapwatch import resellers\``,
      });
    }
    for (const l of s.listings) {
      if (!productIds.has(l.sku)) {
        found.push({
          file: l.origin.file,
          line: l.origin.line,
          field: l.origin.field,
          message: `unknown SKU "${l.sku}"; import it with \`mapwatch import products\``,
        });
      }
    }
    if (found.length) problemsBySite.set(s, found);
  }
  return { resellerIds, productIds, problems: [...problemsBySite.values()].flat(), problemsBySite };
}

export interface SyncOptions {
  /**
   * Return each site's synced listing rows (default true). A sweep reads them back from the
   * database a page at a time instead (src/check/page-listings.ts): 100,000 rows held for the
   * whole sweep were most of its memory growth (issue 15, goal 6). Without them, each site's
   * `listings` is empty.
   */
  listings?: boolean;
}

/** Syncs the sites whose reseller and SKUs exist; each other site is skipped with its problems. */
export async function syncValidSites(
  db: Kysely<Database>,
  sites: readonly LoadedSite[],
  opts: SyncOptions = {},
): Promise<{ synced: SyncedSite[]; skipped: InputProblem[] }> {
  return db.transaction().execute(async (trx) => {
    const refs = await resolveSiteRefs(trx, sites);
    const valid = sites.filter((s) => !refs.problemsBySite.has(s));
    return { synced: await writeSites(trx, valid, refs, opts), skipped: refs.problems };
  });
}

export async function syncSites(db: Kysely<Database>, sites: readonly LoadedSite[]): Promise<SyncedSite[]> {
  return db.transaction().execute(async (trx) => {
    const refs = await resolveSiteRefs(trx, sites);
    if (refs.problems.length) throw new InputError(refs.problems);
    return writeSites(trx, sites, refs);
  });
}

/**
 * Sites and listings per statement. Three statements per site made a crawl's start wait on
 * hundreds of round trips before its first read; one statement of every row (12,000 under the
 * bind-parameter limit) builds, sends and parses one huge statement and its returned rows at once.
 * Groups of this size are few statements, each of a size the driver and server handle cheaply
 * (issue 15); sync-site-files.ts groups the configs it reads by the same limits.
 */
export const SITES_PER_STATEMENT = 100;
export const LISTINGS_PER_STATEMENT = 2000;

/**
 * Set-based: the sites upserted, their old listings deactivated and their listings upserted, each
 * in groups of SITES_PER_STATEMENT / LISTINGS_PER_STATEMENT, whatever the number of sites.
 */
async function writeSites(
  trx: Kysely<Database>,
  sites: readonly LoadedSite[],
  refs: Refs,
  opts: SyncOptions = {},
): Promise<SyncedSite[]> {
  if (!sites.length) return [];
  const skuById = new Map([...refs.productIds].map(([sku, id]) => [id, sku]));
  // loadSites refuses two sites of one name; a caller's list that repeats one writes its last row,
  // as a site-by-site sync did (one statement may not update a row twice).
  const byName = new Map(sites.map((site) => [site.name, site]));
  const siteRows = [...byName.values()].map((site) => ({
    name: site.name,
    reseller_id: refs.resellerIds.get(site.config.reseller)!,
    domain: site.config.domain.toLowerCase(),
    config_hash: site.hash,
    config_path: site.file,
  }));
  const siteIds = new Map<string, number>();
  for (const slice of chunks(siteRows, SITES_PER_STATEMENT)) {
    const saved = await trx
      .insertInto('sites')
      .values(slice)
      .onConflict((oc) =>
        oc.column('name').doUpdateSet((eb) => ({
          reseller_id: eb.ref('excluded.reseller_id'),
          domain: eb.ref('excluded.domain'),
          config_hash: eb.ref('excluded.config_hash'),
          config_path: eb.ref('excluded.config_path'),
          updated_at: new Date(),
        })),
      )
      .returning(['id', 'name'])
      .execute();
    for (const r of saved) siteIds.set(r.name, r.id);
  }
  // Everything the configs no longer list ends inactive; what they list is re-activated below.
  // Listings discovery added are not the config's to end (src/discover/ tracks them as gone).
  for (const slice of chunks([...siteIds.values()], SITES_PER_STATEMENT))
    await trx
      .updateTable('listings')
      .set({ active: false })
      .where('site_id', 'in', slice)
      .where('discovered', '=', false)
      .execute();
  // The rows are built a statement's worth at a time: a list of every listing's row first was,
  // at 100,000 listings, a peak of heap the whole sweep kept in its RSS.
  const rows = (function* () {
    for (const site of byName.values())
      for (const l of site.listings)
        yield {
          site_id: siteIds.get(site.name)!,
          product_id: refs.productIds.get(l.sku)!,
          url: l.url,
          pack_size: l.pack_size,
          active: true,
        };
  })();
  const bySite = new Map<number, SyncedListing[]>();
  for (const slice of chunksOf(rows, LISTINGS_PER_STATEMENT)) {
    const upsert = trx
      .insertInto('listings')
      .values(slice)
      .onConflict((oc) =>
        oc
          .columns(['site_id', 'product_id', 'url'])
          .doUpdateSet((eb) => ({ pack_size: eb.ref('excluded.pack_size'), active: true })),
      );
    if (opts.listings === false) {
      await upsert.execute();
      continue;
    }
    const saved = await upsert.returning(['id', 'site_id', 'product_id', 'url', 'pack_size']).execute();
    for (const r of saved) {
      let list = bySite.get(r.site_id);
      if (!list) bySite.set(r.site_id, (list = []));
      list.push({
        id: r.id,
        sku: skuById.get(r.product_id)!,
        url: r.url,
        packSize: r.pack_size,
        productId: r.product_id,
      });
    }
  }
  return sites.map((site) => {
    const id = siteIds.get(site.name)!;
    return { id, site, listings: bySite.get(id) ?? [] };
  });
}
