/**
 * The newest link of the evidence hash chain. The chain alone shows that no row in the
 * middle was changed or removed, but not that the newest rows still exist: whoever can
 * delete them can also delete the proof. So the head is published outside the database
 * (every digest email carries it), and `mapwatch evidence verify --db --head HASH` shows
 * that the chain still reaches a head seen earlier.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/tables.js';

export interface ChainHead {
  rows: number;
  chainSha256: string;
}

export async function chainHead(db: Kysely<Database>): Promise<ChainHead | null> {
  const last = await db
    .selectFrom('evidence')
    .select(['chain_sha256'])
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!last) return null;
  const { n } = await db
    .selectFrom('evidence')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow();
  return { rows: Number(n), chainSha256: last.chain_sha256 };
}

/** Problems if the chain no longer contains a head published earlier (its row, or one before it, was removed). */
export async function checkPublishedHead(db: Kysely<Database>, head: string): Promise<string[]> {
  const row = await db.selectFrom('evidence').select('id').where('chain_sha256', '=', head).executeTakeFirst();
  return row
    ? []
    : [`the published chain head ${head} is not in the chain: evidence recorded up to it was deleted or altered`];
}
