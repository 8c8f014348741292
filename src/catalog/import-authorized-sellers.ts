/**
 * `mapwatch import authorized-sellers FILE.csv` — who may sell a brand on marketplaces,
 * all or nothing. Columns: brand, seller (required); reseller (only on that reseller's
 * sites; empty: every marketplace), seller_id and storefront_url (the seller's exact
 * identity on the marketplace).
 * `mapwatch import seller-groups FILE.csv` — storefronts grouped under one seller (columns
 * group, seller; seller_id, storefront_url): a storefront in the group of an authorized
 * seller is authorized too, and findings name the group.
 * The file replaces the list for every brand it names, so a seller removed from the file
 * stops being authorized.
 */
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../db/tables.js';
import { readCsv, type ReadCsvOptions } from './read-csv.js';
import { sellerKeys } from './seller-key.js';

const row = z.object({
  brand: z.string().min(1).max(200),
  seller: z.string().min(1).max(300),
  reseller: z.string().max(200).optional(),
  seller_id: z.string().max(200).optional(),
  storefront_url: z.url({ protocol: /^https?$/, message: 'must be an absolute http(s) URL' }).optional(),
});

export const AUTHORIZED_SELLER_COLUMNS = {
  required: ['brand', 'seller'],
  optional: ['reseller', 'seller_id', 'storefront_url'],
};

export async function importAuthorizedSellers(
  db: Kysely<Database>,
  file: string,
  opts: ReadCsvOptions = {},
): Promise<{ rows: number }> {
  const rows = readCsv(file, row, AUTHORIZED_SELLER_COLUMNS, opts);
  await db.transaction().execute(async (trx) => {
    const brands = [...new Set(rows.map((r) => r.value.brand))];
    await trx.deleteFrom('authorized_sellers').where('brand', 'in', brands).execute();
    const seen = new Set<string>();
    for (const { value: v } of rows) {
      const keys = sellerKeys({ name: v.seller, id: v.seller_id ?? null, url: v.storefront_url ?? null });
      for (const key of keys) {
        const dedupe = `${v.brand.toLowerCase()}|${v.reseller ?? ''}|${key}`;
        if (seen.has(dedupe)) continue;
        seen.add(dedupe);
        await trx
          .insertInto('authorized_sellers')
          .values({ brand: v.brand, reseller: v.reseller ?? null, seller_key: key, seller_name: v.seller })
          .execute();
      }
    }
  });
  return { rows: rows.length };
}

const groupRow = z.object({
  group: z.string().min(1).max(300),
  seller: z.string().min(1).max(300),
  seller_id: z.string().max(200).optional(),
  storefront_url: z.url({ protocol: /^https?$/, message: 'must be an absolute http(s) URL' }).optional(),
});

export const SELLER_GROUP_COLUMNS = { required: ['group', 'seller'], optional: ['seller_id', 'storefront_url'] };

export async function importSellerGroups(
  db: Kysely<Database>,
  file: string,
  opts: ReadCsvOptions = {},
): Promise<{ rows: number }> {
  const rows = readCsv(file, groupRow, SELLER_GROUP_COLUMNS, opts);
  await db.transaction().execute(async (trx) => {
    for (const { value: v } of rows)
      for (const key of sellerKeys({ name: v.seller, id: v.seller_id ?? null, url: v.storefront_url ?? null }))
        await trx
          .insertInto('seller_groups')
          .values({ seller_key: key, group_name: v.group })
          .onConflict((oc) => oc.column('seller_key').doUpdateSet({ group_name: v.group }))
          .execute();
  });
  return { rows: rows.length };
}
