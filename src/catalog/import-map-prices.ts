/**
 * `mapwatch import map-prices FILE.csv` — MAP windows per product and currency, all or nothing.
 * Columns: sku, currency, map, effective_from (required); list_price, effective_to.
 * Amounts are plain decimals in major units; windows are half-open [from, to).
 * Re-importing a row with the same sku + currency + effective_from replaces it, so a file can be
 * re-run; any other overlap is refused by the database and reported with its line.
 */
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { selectInChunks } from '../db/chunks.js';
import type { Database } from '../db/tables.js';
import { InputError, type InputProblem } from '../errors.js';
import { isCurrencyCode, toMinorUnits } from '../normalize/currency.js';
import { currencyField, decimalField, instantField } from './csv-fields.js';
import { assertUniqueRows, readCsv, type ReadCsvOptions } from './read-csv.js';

const row = z
  .object({
    sku: z.string(),
    currency: currencyField,
    map: decimalField,
    list_price: decimalField.optional(),
    effective_from: instantField,
    effective_to: instantField.optional(),
  })
  .superRefine((v, ctx) => {
    for (const col of ['map', 'list_price'] as const) {
      const amount = v[col];
      // Only well-formed parts get the exponent check, so one mistake is reported once.
      if (amount === undefined || !isCurrencyCode(v.currency) || !/^\d+(\.\d+)?$/.test(amount)) continue;
      try {
        if (toMinorUnits(amount, v.currency) <= 0)
          ctx.addIssue({ code: 'custom', path: [col], message: 'must be greater than 0' });
      } catch (err) {
        ctx.addIssue({ code: 'custom', path: [col], message: (err as Error).message });
      }
    }
    if (v.effective_to && v.effective_to <= v.effective_from) {
      ctx.addIssue({ code: 'custom', path: ['effective_to'], message: 'must be after effective_from' });
    }
  });

export const MAP_PRICE_COLUMNS = {
  required: ['sku', 'currency', 'map', 'effective_from'],
  optional: ['list_price', 'effective_to'],
};

export async function importMapPrices(
  db: Kysely<Database>,
  file: string,
  opts: ReadCsvOptions = {},
): Promise<{ rows: number }> {
  const rows = readCsv(file, row, MAP_PRICE_COLUMNS, opts);
  assertUniqueRows(file, rows, 'effective_from', (v) => `${v.sku} ${v.currency} ${v.effective_from.toISOString()}`);
  await db.transaction().execute(async (trx) => {
    const skus = [...new Set(rows.map((r) => r.value.sku))];
    const products = await selectInChunks(skus, (slice) =>
      trx.selectFrom('products').select(['id', 'sku']).where('sku', 'in', slice).execute(),
    );
    const idBySku = new Map(products.map((p) => [p.sku, p.id]));
    const unknown: InputProblem[] = rows
      .filter((r) => !idBySku.has(r.value.sku))
      .map((r) => ({
        file,
        line: r.line,
        column: 'sku',
        message: `unknown SKU "${r.value.sku}"; import it with \`mapwatch import products\` first`,
      }));
    if (unknown.length) throw new InputError(unknown);

    for (const { line, value: v } of rows) {
      const productId = idBySku.get(v.sku)!;
      await trx
        .deleteFrom('map_prices')
        .where('product_id', '=', productId)
        .where('currency', '=', v.currency)
        .where('effective_from', '=', v.effective_from)
        .execute();
      try {
        // The first overlap aborts the transaction, so nothing of this file is kept.
        await trx
          .insertInto('map_prices')
          .values({
            product_id: productId,
            currency: v.currency,
            map_minor: toMinorUnits(v.map, v.currency),
            list_minor: v.list_price ? toMinorUnits(v.list_price, v.currency) : null,
            effective_from: v.effective_from,
            effective_to: v.effective_to ?? null,
          })
          .execute();
      } catch (err) {
        if ((err as { constraint?: string }).constraint === 'map_prices_no_overlap') {
          throw new InputError([
            {
              file,
              line,
              column: 'effective_from',
              message: `the window overlaps another MAP window for ${v.sku} in ${v.currency}`,
            },
          ]);
        }
        throw err;
      }
    }
  });
  return { rows: rows.length };
}
