/**
 * `mapwatch import seller-groups FILE.csv` — several storefronts under one seller, all or
 * nothing. Columns: group, seller (required); seller_id, storefront_url. A storefront in the
 * group of an authorized seller is authorized too, and findings name the group.
 * A row with a seller_id or storefront_url joins the group by that identity only (a look-alike
 * storefront copying the name stays out); a row with a name only joins by name.
 * The file replaces every group it names; a storefront in two groups is refused (which group
 * would authorize it?).
 */
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../db/tables.js';
import { InputError, type InputProblem } from '../errors.js';
import { storefrontProblems, storefrontUrlField } from './import-authorized-sellers.js';
import { REQUIRED } from './csv-fields.js';
import { readCsv, type ReadCsvOptions } from './read-csv.js';
import { sellerKeys } from './seller-key.js';

const row = z.object({
  group: z.string(REQUIRED).max(300),
  seller: z.string(REQUIRED).max(300),
  seller_id: z.string().max(200).optional(),
  storefront_url: storefrontUrlField.optional(),
});

export const SELLER_GROUP_COLUMNS = { required: ['group', 'seller'], optional: ['seller_id', 'storefront_url'] };

export async function importSellerGroups(
  db: Kysely<Database>,
  file: string,
  opts: ReadCsvOptions = {},
): Promise<{ rows: number }> {
  const rows = readCsv(file, row, SELLER_GROUP_COLUMNS, opts);
  const problems: InputProblem[] = storefrontProblems(file, rows);
  const groupOf = new Map<string, { group: string; line: number }>();
  for (const { line, value: v } of rows) {
    const keys = sellerKeys({ name: v.seller, id: v.seller_id ?? null, url: v.storefront_url ?? null });
    for (const key of keys.length > 1 ? keys.filter((k) => !k.startsWith('name:')) : keys) {
      const prev = groupOf.get(key);
      if (prev && prev.group !== v.group)
        problems.push({
          file,
          line,
          column: key.startsWith('url:') ? 'storefront_url' : key.startsWith('id:') ? 'seller_id' : 'seller',
          message: `this seller is already in group "${prev.group}" (line ${prev.line}); a storefront belongs to one group`,
        });
      else if (!prev) groupOf.set(key, { group: v.group, line });
    }
  }
  if (problems.length) throw new InputError(problems.slice(0, 50));
  await db.transaction().execute(async (trx) => {
    const groups = [...new Set(rows.map((r) => r.value.group))];
    await trx.deleteFrom('seller_groups').where('group_name', 'in', groups).execute();
    const values = [...groupOf].map(([seller_key, g]) => ({ seller_key, group_name: g.group }));
    for (let i = 0; i < values.length; i += 1000)
      await trx
        .insertInto('seller_groups')
        .values(values.slice(i, i + 1000))
        .onConflict((oc) =>
          oc.column('seller_key').doUpdateSet((eb) => ({ group_name: eb.ref('excluded.group_name') })),
        )
        .execute();
  });
  return { rows: rows.length };
}
