/**
 * Writes many observations that change no case in one statement (issue 15: "observations that
 * change no case are written in batches; cases stay transactional").
 *
 * A read changes no case when its listing has no open case and it is not a violation: the
 * transactional path (record-observation.ts) would insert the row, find no case to lock and
 * stop. Here the "no open case" test is part of the insert itself, so a case opened since the
 * check looked is still seen: such a row is not inserted and comes back as null, and so does a
 * row whose read key is already stored (a retried job). The caller records those on the
 * transactional path, which applies the case effect or returns the stored row.
 *
 * One round-trip for the whole batch: one array parameter per column (`unnest`), so the
 * statement is the same for every batch size and never nears the bind-parameter limit. The ids
 * are drawn from the sequence before the insert, so each row's id is known by its position.
 */
import { CompiledQuery, type Kysely } from 'kysely';
import type { Database } from '../db/tables.js';
import { observationValues } from './record-observation.js';

export type ObservationRow = ReturnType<typeof observationValues>;

/** Column name → Postgres array type of its parameter (insert order). */
const COLUMNS = [
  ['listing_id', 'int4'],
  ['captured_at', 'timestamptz'],
  ['status', 'text'],
  ['reason', 'text'],
  ['amount_minor', 'int8'],
  ['currency', 'text'],
  ['raw_price_text', 'text'],
  ['extraction_source', 'text'],
  ['product_name', 'text'],
  ['verdict', 'text'],
  ['normalized_minor', 'int8'],
  ['map_minor', 'int8'],
  ['verdict_detail', 'jsonb'],
  ['http_status', 'int4'],
  ['final_url', 'text'],
  ['content_sha256', 'text'],
  ['read_key', 'text'],
  ['seller', 'text'],
] as const satisfies readonly (readonly [keyof ObservationRow, string])[];

/**
 * The statement's text, built once: it is the same for every batch (one array parameter per
 * column), so no check pays for composing and compiling it (issue 15's profile).
 */
const STATEMENT = (() => {
  const names = COLUMNS.map(([col]) => `"${col}"`).join(', ');
  // jsonb travels as text[] and is cast per element (an array of jsonb literals is not a jsonb[] literal).
  const arrays = COLUMNS.map(([, type], i) => `$${i + 1}::${type === 'jsonb' ? 'text' : type}[]`).join(', ');
  const picked = COLUMNS.map(([col, type]) => (type === 'jsonb' ? `v."${col}"::jsonb` : `v."${col}"`)).join(', ');
  return `
    with v as (
      select nextval(pg_get_serial_sequence('observations', 'id')) as id, u.*
      from unnest(${arrays}) with ordinality as u(${names}, ord)
    ),
    ins as (
      insert into observations (id, ${names})
      select v.id, ${picked} from v
      where not exists (
        select 1 from cases c where c.listing_id = v.listing_id and c.status in ('open', 'notified')
      )
      on conflict (read_key) do nothing
      returning id
    )
    select v.ord, ins.id from v left join ins on ins.id = v.id order by v.ord`;
})();

/** Ids in the order of `rows`; null where the row was not written (open case, or read key taken). */
export async function insertQuietObservations(
  db: Kysely<Database>,
  rows: readonly ObservationRow[],
): Promise<(number | null)[]> {
  if (!rows.length) return [];
  const arrays = COLUMNS.map(([col]) => rows.map((r) => (r[col] === undefined ? null : r[col])));
  const result = await db.executeQuery<{ ord: string | number; id: number | null }>(
    CompiledQuery.raw(STATEMENT, arrays),
  );
  const ids: (number | null)[] = rows.map(() => null);
  for (const r of result.rows) ids[Number(r.ord) - 1] = r.id === null ? null : Number(r.id);
  return ids;
}
