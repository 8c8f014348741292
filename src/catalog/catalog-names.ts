/**
 * Brand and reseller names a catalog CSV refers to must already be in the catalog: a typo
 * ("Nortwind") would otherwise authorize no one, or leave every real seller unauthorized,
 * without a word. Names compare case-insensitively, as the look-ups that use them do.
 */
import type { Kysely } from 'kysely';
import { selectInChunks } from '../db/chunks.js';
import type { Database } from '../db/tables.js';
import { InputError, type InputProblem } from '../errors.js';
import { type CsvRow, firstProblems } from './read-csv.js';

export async function assertKnownNames<T>(
  db: Kysely<Database>,
  file: string,
  rows: CsvRow<T>[],
  checks: { brand?: (v: T) => string | undefined; reseller?: (v: T) => string | undefined },
): Promise<void> {
  const lower = (s: string) => s.toLowerCase();
  const wanted = (f?: (v: T) => string | undefined) =>
    f ? [...new Set(rows.flatMap((r) => (f(r.value) ? [lower(f(r.value)!)] : [])))] : [];
  const brands = new Set(
    (
      await selectInChunks(wanted(checks.brand), (slice) =>
        db
          .selectFrom('products')
          .select((eb) => eb.fn<string>('lower', ['brand']).as('b'))
          .distinct()
          .where((eb) => eb(eb.fn('lower', ['brand']), 'in', slice))
          .execute(),
      )
    ).map((r) => r.b),
  );
  const resellers = new Set(
    (
      await selectInChunks(wanted(checks.reseller), (slice) =>
        db
          .selectFrom('resellers')
          .select((eb) => eb.fn<string>('lower', ['name']).as('n'))
          .where((eb) => eb(eb.fn('lower', ['name']), 'in', slice))
          .execute(),
      )
    ).map((r) => r.n),
  );
  const problems: InputProblem[] = [];
  for (const { line, value } of rows) {
    const brand = checks.brand?.(value);
    if (brand && !brands.has(lower(brand)))
      problems.push({
        file,
        line,
        column: 'brand',
        message: `unknown brand "${brand}": no product in the catalog has it (import products first)`,
      });
    const reseller = checks.reseller?.(value);
    if (reseller && !resellers.has(lower(reseller)))
      problems.push({
        file,
        line,
        column: 'reseller',
        message: `unknown reseller "${reseller}" (import resellers first, or leave the cell empty for every marketplace)`,
      });
  }
  if (problems.length) throw new InputError(firstProblems(file, problems));
}
