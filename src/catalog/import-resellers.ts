/**
 * `mapwatch import resellers FILE.csv` — upserts resellers by name, all or nothing.
 * Columns: name (required); tier, region, contact_email, authorized.
 */
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { chunks, rowsPerInsert } from '../db/chunks.js';
import type { Database } from '../db/tables.js';
import { booleanField } from './csv-fields.js';
import { assertUniqueRows, readCsv, type ReadCsvOptions } from './read-csv.js';

const row = z.object({
  name: z.string().max(200),
  tier: z.string().max(50).optional(),
  region: z.string().max(50).optional(),
  contact_email: z.email('must be an email address such as pricing@reseller.example').optional(),
  authorized: booleanField.optional(),
});

export const RESELLER_COLUMNS = { required: ['name'], optional: ['tier', 'region', 'contact_email', 'authorized'] };

export async function importResellers(
  db: Kysely<Database>,
  file: string,
  opts: ReadCsvOptions = {},
): Promise<{ rows: number }> {
  const rows = readCsv(file, row, RESELLER_COLUMNS, opts);
  assertUniqueRows(file, rows, 'name', (v) => v.name);
  await db.transaction().execute(async (trx) => {
    // One statement per slice keeps under the bind-parameter limit; the transaction keeps it all or nothing.
    for (const slice of chunks(rows, rowsPerInsert(5))) {
      await trx
        .insertInto('resellers')
        .values(
          slice.map(({ value: v }) => ({
            name: v.name,
            tier: v.tier ?? null,
            region: v.region ?? null,
            contact_email: v.contact_email ?? null,
            authorized: v.authorized ?? true,
          })),
        )
        .onConflict((oc) =>
          oc.column('name').doUpdateSet((eb) => ({
            tier: eb.ref('excluded.tier'),
            region: eb.ref('excluded.region'),
            contact_email: eb.ref('excluded.contact_email'),
            authorized: eb.ref('excluded.authorized'),
          })),
        )
        .execute();
    }
  });
  return { rows: rows.length };
}
