/**
 * `mapwatch import brand-prefixes FILE.csv` — the GS1 company prefixes each brand owns, all
 * or nothing. Columns: brand, prefix (6 to 12 digits, as written for the GTIN-13 or the
 * UPC-A). A page GTIN outside every prefix of its brand is a grey-market signal
 * (check/find-grey-market.ts); a brand with no prefixes is never judged on this.
 * The file replaces the prefixes of every brand it names.
 */
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../db/tables.js';
import { assertKnownNames } from './catalog-names.js';
import { REQUIRED } from './csv-fields.js';
import { assertUniqueRows, readCsv, type ReadCsvOptions } from './read-csv.js';

const row = z.object({
  brand: z.string(REQUIRED).max(200),
  prefix: z.string(REQUIRED).regex(/^\d{6,12}$/, 'must be a GS1 company prefix of 6 to 12 digits, such as 0850012'),
});

export const BRAND_PREFIX_COLUMNS = { required: ['brand', 'prefix'], optional: [] };

export async function importBrandPrefixes(
  db: Kysely<Database>,
  file: string,
  opts: ReadCsvOptions = {},
): Promise<{ rows: number }> {
  const rows = readCsv(file, row, BRAND_PREFIX_COLUMNS, opts);
  assertUniqueRows(file, rows, 'prefix', (v) => `${v.brand.toLowerCase()} ${v.prefix}`);
  await assertKnownNames(db, file, rows, { brand: (v) => v.brand });
  await db.transaction().execute(async (trx) => {
    const brands = [...new Set(rows.map((r) => r.value.brand.toLowerCase()))];
    await trx
      .deleteFrom('brand_gtin_prefixes')
      .where((eb) => eb(eb.fn('lower', ['brand']), 'in', brands))
      .execute();
    await trx
      .insertInto('brand_gtin_prefixes')
      .values(rows.map(({ value: v }) => ({ brand: v.brand, prefix: v.prefix })))
      .execute();
  });
  return { rows: rows.length };
}
