/**
 * `mapwatch evidence verify --db`, beyond the evidence chain: the records a case rests on.
 *
 * - case_events are hash-chained by the database (migrations/20261201110100): each link is
 *   recomputed here, so an edited, inserted or removed event shows;
 * - a case's lowest price must follow from its chained events (the violation reads);
 * - each evidence manifest carries its observation as stored (amount, time, status), and
 *   the observation row must still say the same, as must the chained event that used it.
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/tables.js';
import { sha256Hex } from './evidence-store.js';
import { canonicalJson, GENESIS_SHA256, observationFactsSchema } from './manifest.js';
import { observationFacts } from './record-evidence.js';

interface EventRow {
  chain_seq: number;
  id: number;
  case_id: number;
  observation_id: number | null;
  kind: string;
  detail: Record<string, unknown>;
  prev_sha256: string;
  chain_sha256: string;
  canonical: string;
}

/** sha256(prev || sha256(canonical row text)), as the database computes it on insert. */
export function caseEventLink(prev: string, canonical: string): string {
  return sha256Hex(prev + sha256Hex(canonical));
}

export async function verifyCaseEvents(db: Kysely<Database>): Promise<{ rows: number; problems: string[] }> {
  // The canonical text is built here rather than by the database's own function, which an
  // attacker with write access could have replaced along with the rows.
  const { rows } = await sql<EventRow>`
    select e.chain_seq, e.id, e.case_id, e.observation_id, e.kind, e.detail, e.prev_sha256, e.chain_sha256,
      concat_ws('|', e.id::text, e.case_id::text, coalesce(e.observation_id::text, ''), e.kind,
        to_char(e.at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), e.detail::text) as canonical
    from case_events e order by e.chain_seq, e.id`.execute(db);
  const problems: string[] = [];
  let prev = GENESIS_SHA256;
  let seq = 0;
  const lowest = new Map<number, number>();
  for (const r of rows) {
    const where = `case event ${r.id} (case ${r.case_id}, ${r.kind})`;
    seq++;
    if (Number(r.chain_seq) !== seq)
      problems.push(`${where}: chain position ${r.chain_seq}, expected ${seq} (an event was removed)`);
    if (r.prev_sha256 !== prev)
      problems.push(`${where}: prev_sha256 does not match the event before it (an event was removed or altered)`);
    if (caseEventLink(r.prev_sha256, r.canonical) !== r.chain_sha256)
      problems.push(`${where}: does not match its chain hash (the event was edited)`);
    prev = r.chain_sha256;
    const d = r.detail ?? {};
    if (
      (r.kind === 'opened' || r.kind === 'observed') &&
      d.verdict === 'violation' &&
      typeof d.normalized_minor === 'number'
    )
      lowest.set(r.case_id, Math.min(lowest.get(r.case_id) ?? Infinity, d.normalized_minor));
  }
  const cases = await db.selectFrom('cases').select(['id', 'lowest_minor']).execute();
  for (const c of cases) {
    const fromEvents = lowest.get(c.id);
    if (fromEvents === undefined) problems.push(`case ${c.id}: no chained violation event explains it`);
    else if (Number(c.lowest_minor) !== fromEvents)
      problems.push(`case ${c.id}: lowest price ${c.lowest_minor} differs from its chained events (${fromEvents})`);
  }
  return { rows: rows.length, problems };
}

export async function verifyObservationFacts(db: Kysely<Database>): Promise<string[]> {
  const problems: string[] = [];
  const evidence = await db
    .selectFrom('evidence')
    .innerJoin('observations as o', 'o.id', 'evidence.observation_id')
    .select([
      'evidence.id as evidence_id',
      'evidence.manifest',
      'o.id',
      'o.captured_at',
      'o.status',
      'o.amount_minor',
      'o.currency',
      'o.normalized_minor',
      'o.map_minor',
    ])
    .orderBy('evidence.id')
    .execute();
  for (const r of evidence) {
    const recorded = observationFactsSchema.safeParse((r.manifest as { observation?: unknown }).observation);
    if (!recorded.success) continue; // written before manifests carried the observation
    if (canonicalJson(recorded.data) !== canonicalJson(observationFacts(r)))
      problems.push(
        `observation ${r.id}: differs from its evidence ${r.evidence_id} manifest (stored ${canonicalJson(observationFacts(r))}, recorded ${canonicalJson(recorded.data)})`,
      );
  }
  const events = await db
    .selectFrom('case_events as e')
    .innerJoin('observations as o', 'o.id', 'e.observation_id')
    .select(['e.id', 'e.detail', 'o.id as observation_id', 'o.normalized_minor'])
    .where('e.kind', 'in', ['opened', 'observed'])
    .execute();
  for (const e of events) {
    const n = (e.detail as { normalized_minor?: unknown }).normalized_minor;
    if (typeof n === 'number' && n !== Number(e.normalized_minor))
      problems.push(
        `observation ${e.observation_id}: normalized price ${e.normalized_minor} differs from chained case event ${e.id} (${n})`,
      );
  }
  return problems;
}
