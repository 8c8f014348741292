/**
 * `mapwatch import authorized-sellers FILE.csv` — who may sell a brand on marketplaces,
 * all or nothing. Columns: brand, seller (required); reseller (only on that reseller's
 * sites; empty: every marketplace), seller_id and storefront_url (the seller's exact
 * identity on the marketplace: when given, an offer that shows another identity under the
 * same name is not authorized, see find-unauthorized-sellers.ts).
 * The file replaces the list for every brand it names, so a seller removed from the file
 * stops being authorized.
 */
import type { Insertable, Kysely } from 'kysely';
import { z } from 'zod';
import type { AuthorizedSellersTable, Database } from '../db/tables.js';
import { InputError, type InputProblem } from '../errors.js';
import { assertKnownNames } from './catalog-names.js';
import { REQUIRED } from './csv-fields.js';
import { readCsv, type ReadCsvOptions } from './read-csv.js';
import { sellerKeys, storefrontId } from './seller-key.js';

export const storefrontUrlField = z
  .url({ protocol: /^https?$/, message: 'must be an absolute http(s) URL such as https://market.example/seller/A1' })
  .max(2000);

const row = z.object({
  brand: z.string(REQUIRED).max(200),
  seller: z.string(REQUIRED).max(300),
  reseller: z.string().max(200).optional(),
  seller_id: z.string().max(200).optional(),
  storefront_url: storefrontUrlField.optional(),
});

export const AUTHORIZED_SELLER_COLUMNS = {
  required: ['brand', 'seller'],
  optional: ['reseller', 'seller_id', 'storefront_url'],
};

/** A storefront URL is only an identity when its shape names the seller (/seller/ID, ?seller=ID…). */
export function storefrontProblems(
  file: string,
  rows: { line: number; value: { storefront_url?: string } }[],
): InputProblem[] {
  return rows
    .filter((r) => r.value.storefront_url && !storefrontId(r.value.storefront_url))
    .map((r) => ({
      file,
      line: r.line,
      column: 'storefront_url',
      message: `"${r.value.storefront_url}" does not name a seller (expected a path like /seller/ID, /shops/ID, /stores/ID or a ?seller= parameter)`,
    }));
}

export async function importAuthorizedSellers(
  db: Kysely<Database>,
  file: string,
  opts: ReadCsvOptions = {},
): Promise<{ rows: number }> {
  const rows = readCsv(file, row, AUTHORIZED_SELLER_COLUMNS, opts);
  const bad = storefrontProblems(file, rows);
  if (bad.length) throw new InputError(bad);
  await assertKnownNames(db, file, rows, { brand: (v) => v.brand, reseller: (v) => v.reseller });
  await db.transaction().execute(async (trx) => {
    const brands = [...new Set(rows.map((r) => r.value.brand.toLowerCase()))];
    await trx
      .deleteFrom('authorized_sellers')
      .where((eb) => eb(eb.fn('lower', ['brand']), 'in', brands))
      .execute();
    const seen = new Set<string>();
    const values: Insertable<AuthorizedSellersTable>[] = [];
    for (const { value: v } of rows) {
      const keys = sellerKeys({ name: v.seller, id: v.seller_id ?? null, url: v.storefront_url ?? null });
      for (const key of keys) {
        const dedupe = `${v.brand.toLowerCase()}|${v.reseller?.toLowerCase() ?? ''}|${key}`;
        if (seen.has(dedupe)) continue;
        seen.add(dedupe);
        values.push({ brand: v.brand, reseller: v.reseller ?? null, seller_key: key, seller_name: v.seller });
      }
    }
    for (let i = 0; i < values.length; i += 1000)
      await trx
        .insertInto('authorized_sellers')
        .values(values.slice(i, i + 1000))
        .execute();
  });
  return { rows: rows.length };
}
