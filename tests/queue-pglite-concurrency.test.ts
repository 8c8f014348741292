/**
 * PGlite is one Postgres session shared by kysely and BullMQ through the socket server.
 * Concurrent transactions from both must never see each other's uncommitted work, and
 * their statements must never interleave (before src/queue/pglite-batch-guard.ts, another
 * client's BEGIN could slip between a Parse and its Bind and break both).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbHandle } from '../src/db/connect.js';
import { openQueueConnection, type QueueConnection } from '../src/queue/connection.js';
import { openTestDb } from './support/db.js';
import { waitFor } from './support/queue.js';

describe('kysely and BullMQ on one embedded PGlite', () => {
  let h: DbHandle;
  let conn: QueueConnection;

  beforeAll(async () => {
    h = await openTestDb('pglite');
    conn = await openQueueConnection({ db: h });
  });
  afterAll(async () => {
    await conn?.close();
    await h?.close();
  });

  it('a transaction on one side is invisible to the other until commit, and rolled-back work never shows', async () => {
    const other = new pg.Pool({ ...h.pgConfig, max: 2 });
    try {
      let seenDuring: number | undefined;
      await h.db
        .transaction()
        .execute(async (trx) => {
          await trx.insertInto('resellers').values({ name: 'ghost' }).execute();
          // The BullMQ side asks while kysely's transaction is open: it waits, and never sees "ghost".
          const probe = other
            .query<{ n: string }>("select count(*) as n from resellers where name = 'ghost'")
            .then((r) => Number(r.rows[0]!.n));
          await sleep(200);
          seenDuring = await Promise.race([probe.then((n) => n), sleep(50).then(() => undefined)]);
          throw new Error('roll back');
        })
        .catch((err: Error) => expect(err.message).toBe('roll back'));
      expect(seenDuring).toBeUndefined(); // blocked until the transaction ended
      const after = await other.query<{ n: string }>("select count(*) as n from resellers where name = 'ghost'");
      expect(Number(after.rows[0]!.n)).toBe(0);

      // And the other way round: BullMQ's side in a transaction, kysely outside.
      const c = await other.connect();
      try {
        await c.query('BEGIN');
        await c.query("insert into resellers (name) values ('pending')");
        const kyselyProbe = h.db.selectFrom('resellers').select('name').where('name', '=', 'pending').execute();
        const early = await Promise.race([kyselyProbe, sleep(200).then(() => 'waiting' as const)]);
        expect(early).toBe('waiting');
        await c.query('COMMIT');
        expect(await kyselyProbe).toEqual([{ name: 'pending' }]);
      } finally {
        c.release();
      }
    } finally {
      await other.end();
    }
  });

  it('many concurrent kysely transactions and BullMQ jobs run without interleaving', async () => {
    const q = conn.newQueue('concurrency');
    let processed = 0;
    const w = conn.newWorker(
      'concurrency',
      async (job) => {
        processed++;
        return (job.data as { n: number }).n * 2;
      },
      { concurrency: 4 },
    );
    try {
      const adds = Array.from({ length: 60 }, (_, n) => q.add('n', { n }, { jobId: `n-${n}` }));
      const txs = Array.from({ length: 40 }, (_, i) =>
        h.db.transaction().execute(async (trx) => {
          await trx
            .insertInto('resellers')
            .values({ name: `tx-${i}`, tier: String(i) })
            .execute();
          const mine = await trx
            .selectFrom('resellers')
            .select('tier')
            .where('name', '=', `tx-${i}`)
            .executeTakeFirstOrThrow();
          expect(mine.tier).toBe(String(i)); // a statement ran with its own parameters, not another client's
          const seen = await trx.selectFrom('resellers').select('name').where('name', 'like', 'tx-%').execute();
          return seen.length;
        }),
      );
      const [jobs, counts] = await Promise.all([Promise.all(adds), Promise.all(txs)]);
      expect(jobs.map((j) => j.id)).toEqual(Array.from({ length: 60 }, (_, n) => `n-${n}`));
      // Serialized: each transaction saw exactly the committed ones before it plus its own.
      expect([...counts].sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      await waitFor(() => processed >= 60, 'all jobs');
      const done = await Promise.all(jobs.map((j) => q.getJob(j.id!)));
      expect(done.map((j) => j!.returnvalue)).toEqual(Array.from({ length: 60 }, (_, n) => n * 2));
    } finally {
      await w.close();
      await q.close();
    }
  });
});
