/**
 * Checks loaded site configs against the database (reseller and SKUs must exist) and
 * writes sites + listings, so crawls and cases always refer to rows. Listings that
 * disappear from a config are deactivated, never deleted: their history stays.
 */
import type { Kysely } from 'kysely';
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
}

export async function resolveSiteRefs(db: Kysely<Database>, sites: readonly LoadedSite[]): Promise<Refs> {
  const names = [...new Set(sites.map((s) => s.config.reseller))];
  const skus = [...new Set(sites.flatMap((s) => s.listings.map((l) => l.sku)))];
  const [resellers, products] = await Promise.all([
    names.length ? db.selectFrom('resellers').select(['id', 'name']).where('name', 'in', names).execute() : [],
    skus.length ? db.selectFrom('products').select(['id', 'sku']).where('sku', 'in', skus).execute() : [],
  ]);
  const resellerIds = new Map(resellers.map((r) => [r.name, r.id]));
  const productIds = new Map(products.map((p) => [p.sku, p.id]));
  const problems: InputProblem[] = [];
  for (const s of sites) {
    if (!resellerIds.has(s.config.reseller)) {
      problems.push({
        file: s.file,
        field: 'reseller',
        message: `unknown reseller "${s.config.reseller}"; import it with \`mapwatch import resellers\``,
      });
    }
    for (const l of s.listings) {
      if (!productIds.has(l.sku)) {
        problems.push({
          file: l.origin.file,
          line: l.origin.line,
          field: l.origin.field,
          message: `unknown SKU "${l.sku}"; import it with \`mapwatch import products\``,
        });
      }
    }
  }
  return { resellerIds, productIds, problems };
}

export async function syncSites(db: Kysely<Database>, sites: readonly LoadedSite[]): Promise<SyncedSite[]> {
  return db.transaction().execute(async (trx) => {
    const refs = await resolveSiteRefs(trx, sites);
    if (refs.problems.length) throw new InputError(refs.problems);
    const out: SyncedSite[] = [];
    for (const site of sites) {
      const { id: siteId } = await trx
        .insertInto('sites')
        .values({
          name: site.name,
          reseller_id: refs.resellerIds.get(site.config.reseller)!,
          domain: site.config.domain.toLowerCase(),
          config_hash: site.hash,
          config_path: site.file,
        })
        .onConflict((oc) =>
          oc.column('name').doUpdateSet((eb) => ({
            reseller_id: eb.ref('excluded.reseller_id'),
            domain: eb.ref('excluded.domain'),
            config_hash: eb.ref('excluded.config_hash'),
            config_path: eb.ref('excluded.config_path'),
            updated_at: new Date(),
          })),
        )
        .returning('id')
        .executeTakeFirstOrThrow();
      const rows = site.listings.map((l) => ({
        site_id: siteId,
        product_id: refs.productIds.get(l.sku)!,
        url: l.url,
        pack_size: l.pack_size,
        active: true,
      }));
      const saved = await trx
        .insertInto('listings')
        .values(rows)
        .onConflict((oc) =>
          oc
            .columns(['site_id', 'product_id', 'url'])
            .doUpdateSet((eb) => ({ pack_size: eb.ref('excluded.pack_size'), active: true })),
        )
        .returning(['id', 'product_id', 'url', 'pack_size'])
        .execute();
      const ids = saved.map((r) => r.id);
      await trx
        .updateTable('listings')
        .set({ active: false })
        .where('site_id', '=', siteId)
        .where('id', 'not in', ids)
        .execute();
      const skuById = new Map([...refs.productIds].map(([sku, id]) => [id, sku]));
      out.push({
        id: siteId,
        site,
        listings: saved.map((r) => ({
          id: r.id,
          sku: skuById.get(r.product_id)!,
          url: r.url,
          packSize: r.pack_size,
          productId: r.product_id,
        })),
      });
    }
    return out;
  });
}
