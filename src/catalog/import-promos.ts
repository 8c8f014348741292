/**
 * `mapwatch import promos FILE.csv` — promo windows in which MAP is suspended or lowered.
 * Columns: kind, starts_at, ends_at, time_zone (required); sku or brand (one of them);
 * map + currency (a lowered MAP) or percent_off; note.
 * Times are local wall-clock times in `time_zone`, the way OEM promo calendars are written.
 * Re-importing a window with the same scope, kind and times replaces it.
 */
import { type Kysely, sql } from 'kysely';
import { z } from 'zod';
import { selectInChunks } from '../db/chunks.js';
import type { Database } from '../db/tables.js';
import { InputError, type InputProblem } from '../errors.js';
import { isCurrencyCode, toMinorUnits } from '../normalize/currency.js';
import { currencyField, decimalField, timeZoneField, wallTimeField } from './csv-fields.js';
import { firstProblems, readCsv, type ReadCsvOptions } from './read-csv.js';

const row = z
  .object({
    sku: z.string().optional(),
    brand: z.string().optional(),
    kind: z.enum(['suspend', 'lower'], { message: 'must be "suspend" or "lower"' }),
    map: decimalField.optional(),
    currency: currencyField.optional(),
    percent_off: z
      .string()
      .regex(/^\d{1,2}(\.\d{1,2})?$/, 'must be a percentage between 0 and 100 such as 15 or 12.5')
      .optional(),
    starts_at: wallTimeField,
    ends_at: wallTimeField,
    time_zone: timeZoneField,
    note: z.string().max(500).optional(),
  })
  .superRefine((v, ctx) => {
    if (!v.sku === !v.brand)
      ctx.addIssue({ code: 'custom', path: ['sku'], message: 'give either sku or brand (exactly one)' });
    if (v.ends_at <= v.starts_at)
      ctx.addIssue({ code: 'custom', path: ['ends_at'], message: 'must be after starts_at' });
    if (v.kind === 'lower') {
      if (!v.map === !v.percent_off)
        ctx.addIssue({
          code: 'custom',
          path: ['map'],
          message: 'a "lower" window needs either map (with currency) or percent_off',
        });
      if (v.map && !v.currency) ctx.addIssue({ code: 'custom', path: ['currency'], message: 'required with map' });
      if (v.percent_off && Number(v.percent_off) <= 0)
        ctx.addIssue({ code: 'custom', path: ['percent_off'], message: 'must be greater than 0' });
    }
    if (v.map && v.currency && isCurrencyCode(v.currency) && /^\d+(\.\d+)?$/.test(v.map)) {
      try {
        toMinorUnits(v.map, v.currency);
      } catch (err) {
        ctx.addIssue({ code: 'custom', path: ['map'], message: (err as Error).message });
      }
    }
  });

export const PROMO_COLUMNS = {
  required: ['kind', 'starts_at', 'ends_at', 'time_zone'],
  optional: ['sku', 'brand', 'map', 'currency', 'percent_off', 'note'],
};

export async function importPromos(
  db: Kysely<Database>,
  file: string,
  opts: ReadCsvOptions = {},
): Promise<{ rows: number }> {
  const rows = readCsv(file, row, PROMO_COLUMNS, opts);
  await db.transaction().execute(async (trx) => {
    const skus = [...new Set(rows.flatMap((r) => (r.value.sku ? [r.value.sku] : [])))];
    const products = await selectInChunks(skus, (slice) =>
      trx.selectFrom('products').select(['id', 'sku']).where('sku', 'in', slice).execute(),
    );
    const idBySku = new Map(products.map((p) => [p.sku, p.id]));
    const problems: InputProblem[] = rows
      .filter((r) => r.value.sku && !idBySku.has(r.value.sku))
      .map((r) => ({ file, line: r.line, column: 'sku', message: `unknown SKU "${r.value.sku}"` }));
    problems.push(...(await unknownBrands(trx, file, rows)));
    if (problems.length)
      throw new InputError(
        firstProblems(
          file,
          problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)),
        ),
      );
    for (const { value: v } of rows) {
      const productId = v.sku ? idBySku.get(v.sku)! : null;
      await trx
        .deleteFrom('promo_windows')
        .where((eb) => (productId === null ? eb('product_id', 'is', null) : eb('product_id', '=', productId)))
        .where((eb) => (v.brand ? eb('brand', '=', v.brand) : eb('brand', 'is', null)))
        .where('kind', '=', v.kind)
        .where('starts_at', '=', v.starts_at)
        .where('ends_at', '=', v.ends_at)
        .execute();
      await trx
        .insertInto('promo_windows')
        .values({
          product_id: productId,
          brand: v.brand ?? null,
          kind: v.kind,
          map_minor: v.map && v.currency ? toMinorUnits(v.map, v.currency) : null,
          currency: v.currency ?? null,
          percent_off: v.percent_off ?? null,
          starts_at: v.starts_at,
          ends_at: v.ends_at,
          time_zone: v.time_zone,
          note: v.note ?? null,
        })
        .execute();
    }
  });
  return { rows: rows.length };
}

/**
 * A brand-wide window applies to the products whose brand is exactly the same text, so a
 * brand no product carries would be stored and never apply: a promo the user believes is
 * in force while every read is still compared with the full MAP. Refused, with the catalog's
 * spelling when only the letter case differs.
 */
async function unknownBrands(
  trx: Kysely<Database>,
  file: string,
  rows: { line: number; value: { brand?: string } }[],
): Promise<InputProblem[]> {
  const brands = [...new Set(rows.flatMap((r) => (r.value.brand ? [r.value.brand.toLowerCase()] : [])))];
  const known = await selectInChunks(brands, (slice) =>
    trx
      .selectFrom('products')
      .select('brand')
      .distinct()
      .where(sql<string>`lower(brand)`, 'in', slice)
      .execute(),
  );
  const exact = new Set(known.map((k) => k.brand));
  const byLower = new Map(known.map((k) => [k.brand!.toLowerCase(), k.brand!]));
  return rows.flatMap(({ line, value: { brand } }) => {
    if (!brand || exact.has(brand)) return [];
    const near = byLower.get(brand.toLowerCase());
    return [
      {
        file,
        line,
        column: 'brand',
        message: near
          ? `no product has the brand "${brand}"; the catalog spells it "${near}"`
          : `no product has the brand "${brand}"; import products with that brand first, or check the spelling`,
      },
    ];
  });
}
