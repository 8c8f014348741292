/**
 * The domain gate's shared state in Postgres, for deployments without Redis. Each
 * decision runs in one transaction holding the domain's row lock, with the database's
 * clock, so workers on different machines agree on "now".
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/tables.js';
import type { GateLimits } from '../fetch/domain-gate.js';
import { FULL_WAIT_MIN_MS, type GateStore } from './gate-store.js';

export class PgGateStore implements GateStore {
  constructor(private readonly db: Kysely<Database>) {}

  async tryAcquire(domain: string, token: string, limits: GateLimits, leaseMs: number): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('domain_gates')
        .values({ domain })
        .onConflict((oc) => oc.column('domain').doNothing())
        .execute();
      const row = await trx
        .selectFrom('domain_gates')
        .select([
          sql<number>`(extract(epoch from clock_timestamp()) * 1000)::float8`.as('now'),
          sql<number>`greatest(coalesce(extract(epoch from next_start_at) * 1000, 0), coalesce(extract(epoch from backoff_until) * 1000, 0), 0)::float8`.as(
            'earliest',
          ),
        ])
        .where('domain', '=', domain)
        .forUpdate()
        .executeTakeFirstOrThrow();
      const now = Number(row.now);
      const earliest = Number.isFinite(Number(row.earliest)) ? Number(row.earliest) : 0;
      await trx
        .deleteFrom('domain_leases')
        .where('domain', '=', domain)
        .where('expires_at', '<=', new Date(now))
        .execute();
      const leases = await trx
        .selectFrom('domain_leases')
        .select('expires_at')
        .where('domain', '=', domain)
        .orderBy('expires_at')
        .execute();
      if (leases.length >= limits.concurrency) {
        const untilExpiry = leases[0]!.expires_at.getTime() - now;
        return Math.max(1, Math.min(untilExpiry, Math.max(limits.delayMs, FULL_WAIT_MIN_MS)), earliest - now);
      }
      if (now < earliest) return Math.ceil(earliest - now);
      await trx
        .insertInto('domain_leases')
        .values({ token, domain, expires_at: new Date(now + leaseMs) })
        .execute();
      await trx
        .updateTable('domain_gates')
        .set({ next_start_at: new Date(now + limits.delayMs) })
        .where('domain', '=', domain)
        .execute();
      return 0;
    });
  }

  async release(_domain: string, token: string): Promise<void> {
    await this.db.deleteFrom('domain_leases').where('token', '=', token).execute();
  }

  async backoff(domain: string, ms: number): Promise<void> {
    await this.db
      .insertInto('domain_gates')
      .values({ domain, backoff_until: sql<Date>`clock_timestamp() + ${Math.ceil(ms)} * interval '1 millisecond'` })
      .onConflict((oc) =>
        oc
          .column('domain')
          .doUpdateSet({ backoff_until: sql<Date>`greatest(domain_gates.backoff_until, excluded.backoff_until)` }),
      )
      .execute();
  }
}
