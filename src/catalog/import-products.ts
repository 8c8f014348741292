/**
 * `mapwatch import products FILE.csv` — upserts the catalog by SKU, all or nothing.
 * Columns: sku, name (required); brand, gtin, mpn, pack_size, map_includes_vat.
 */
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../db/tables.js';
import { booleanField, packSizeField } from './csv-fields.js';
import { assertUniqueRows, readCsv, type ReadCsvOptions } from './read-csv.js';

const row = z.object({
  sku: z.string().max(200),
  name: z.string().max(500),
  brand: z.string().max(200).optional(),
  gtin: z
    .string()
    .regex(/^\d{8,14}$/, 'must be 8 to 14 digits')
    .optional(),
  mpn: z.string().max(200).optional(),
  pack_size: packSizeField.optional(),
  map_includes_vat: booleanField.optional(),
});

export const PRODUCT_COLUMNS = {
  required: ['sku', 'name'],
  optional: ['brand', 'gtin', 'mpn', 'pack_size', 'map_includes_vat'],
};

export async function importProducts(
  db: Kysely<Database>,
  file: string,
  opts: ReadCsvOptions = {},
): Promise<{ rows: number }> {
  const rows = readCsv(file, row, PRODUCT_COLUMNS, opts);
  assertUniqueRows(file, rows, 'sku', (v) => v.sku);
  await db.transaction().execute(async (trx) => {
    for (let i = 0; i < rows.length; i += 500) {
      const values = rows.slice(i, i + 500).map(({ value: v }) => ({
        sku: v.sku,
        name: v.name,
        brand: v.brand ?? null,
        gtin: v.gtin ?? null,
        mpn: v.mpn ?? null,
        pack_size: v.pack_size ?? 1,
        map_includes_vat: v.map_includes_vat ?? false,
      }));
      await trx
        .insertInto('products')
        .values(values)
        .onConflict((oc) =>
          oc.column('sku').doUpdateSet((eb) => ({
            name: eb.ref('excluded.name'),
            brand: eb.ref('excluded.brand'),
            gtin: eb.ref('excluded.gtin'),
            mpn: eb.ref('excluded.mpn'),
            pack_size: eb.ref('excluded.pack_size'),
            map_includes_vat: eb.ref('excluded.map_includes_vat'),
            updated_at: new Date(),
          })),
        )
        .execute();
    }
  });
  return { rows: rows.length };
}
