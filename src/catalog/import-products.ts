/**
 * `mapwatch import products FILE.csv` — upserts the catalog by SKU, all or nothing.
 * Columns: sku, name (required); brand, gtin, mpn, pack_size, map_includes_vat, and
 * dealer_cost with dealer_cost_currency: what the OEM charges its dealers for one unit, a
 * grey-market signal when a listing advertises below it (never a MAP violation). Like every
 * optional column, an empty or absent dealer_cost clears the stored one: the file is the catalog.
 */
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../db/tables.js';
import { isCurrencyCode, toMinorUnits } from '../normalize/currency.js';
import { booleanField, currencyField, decimalField, packSizeField } from './csv-fields.js';
import { assertUniqueRows, readCsv, type ReadCsvOptions } from './read-csv.js';

const row = z
  .object({
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
    dealer_cost: decimalField.optional(),
    dealer_cost_currency: currencyField.optional(),
  })
  .superRefine((v, ctx) => {
    if (v.dealer_cost !== undefined && v.dealer_cost_currency === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['dealer_cost_currency'],
        message: 'is required when dealer_cost is given (an ISO 4217 code such as USD)',
      });
    else if (v.dealer_cost === undefined && v.dealer_cost_currency !== undefined)
      ctx.addIssue({ code: 'custom', path: ['dealer_cost'], message: 'is empty but dealer_cost_currency is given' });
    // Only a well-formed amount gets the currency check, so one mistake is reported once.
    else if (
      v.dealer_cost &&
      v.dealer_cost_currency &&
      isCurrencyCode(v.dealer_cost_currency) &&
      /^\d+(\.\d+)?$/.test(v.dealer_cost)
    )
      try {
        if (toMinorUnits(v.dealer_cost, v.dealer_cost_currency) <= 0)
          ctx.addIssue({ code: 'custom', path: ['dealer_cost'], message: 'must be greater than 0' });
      } catch (err) {
        ctx.addIssue({ code: 'custom', path: ['dealer_cost'], message: (err as Error).message });
      }
  });

export const PRODUCT_COLUMNS = {
  required: ['sku', 'name'],
  optional: ['brand', 'gtin', 'mpn', 'pack_size', 'map_includes_vat', 'dealer_cost', 'dealer_cost_currency'],
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
        dealer_cost_minor:
          v.dealer_cost && v.dealer_cost_currency ? toMinorUnits(v.dealer_cost, v.dealer_cost_currency) : null,
        dealer_cost_currency: v.dealer_cost && v.dealer_cost_currency ? v.dealer_cost_currency : null,
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
            dealer_cost_minor: eb.ref('excluded.dealer_cost_minor'),
            dealer_cost_currency: eb.ref('excluded.dealer_cost_currency'),
            updated_at: new Date(),
          })),
        )
        .execute();
    }
  });
  return { rows: rows.length };
}
