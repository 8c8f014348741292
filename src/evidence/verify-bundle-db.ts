/**
 * `mapwatch evidence verify FILE.zip --db [--head HASH]`: a bundle is only consistent with
 * itself until it is held against the database. Whoever edits a manifest can recompute the
 * manifest, chain and index hashes in the zip, but not the chain rows in the database nor a
 * head published earlier (digest emails). So each link of the bundle must be the database's
 * own row, hash for hash, and with a head, lie on the chain that reaches it.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/tables.js';
import type { BundleReport } from './verify-bundle.js';

export async function verifyBundleAgainstDb(
  db: Kysely<Database>,
  bundle: Pick<BundleReport, 'caseId' | 'links'>,
  opts: { head?: string } = {},
): Promise<string[]> {
  const problems: string[] = [];
  if (!bundle.links.length) return problems;
  const rows = await db
    .selectFrom('evidence')
    .select(['id', 'case_id', 'observation_id', 'manifest_sha256', 'prev_sha256', 'chain_sha256'])
    .where(
      'id',
      'in',
      bundle.links.map((l) => l.id),
    )
    .execute();
  const byId = new Map(rows.map((r) => [r.id, r]));
  const headRow = opts.head
    ? await db.selectFrom('evidence').select('id').where('chain_sha256', '=', opts.head).executeTakeFirst()
    : undefined;
  for (const link of bundle.links) {
    const row = byId.get(link.id);
    const where = `evidence ${link.id}`;
    if (!row) {
      problems.push(`${where}: not in the database chain`);
      continue;
    }
    if (row.case_id !== bundle.caseId)
      problems.push(`${where}: belongs to case ${row.case_id} in the database, not ${bundle.caseId}`);
    if (row.manifest_sha256 !== link.manifest_sha256)
      problems.push(`${where}: manifest hash differs from the database chain (the bundle's manifest was altered)`);
    if (row.prev_sha256 !== link.prev_sha256 || row.chain_sha256 !== link.chain_sha256)
      problems.push(`${where}: chain hashes differ from the database chain`);
    if (row.observation_id !== link.observation_id) problems.push(`${where}: observation differs from the database`);
    if (opts.head && headRow && row.id > headRow.id)
      problems.push(`${where}: recorded after the published head; verify against a newer head`);
  }
  return problems;
}
