/**
 * What learning reads write (learn-price-locator.ts), gathered and written together: one
 * statement per batch of learning reads, not one per read.
 *
 * Why: a learning read used to run one statement that kept its sample, read the site's latest
 * samples back and wrote the locator they share. On a first sweep (three candidate searches and
 * two agreed samples per 15 listings of a site) that was a third of a statement per check and
 * 0.54 of Postgres's 0.91 CPU ms per check: a planned CTE on every learning read (issue 15).
 * The latest samples are now kept in memory (sample-windows.ts), so a read needs no answer from
 * the database, and its writes wait here for a batch.
 *
 * A batch is written when it holds MAX_ROWS samples, MAX_WAIT_MS after its first one, before
 * this process reads the locators back (cached-locator.ts), before a miss is counted (so a
 * queued "misses = 0" never lands after it), at the end of a sweep and when the app closes.
 * The timer is unref'd: learning state never holds a process open.
 *
 * What a crash can lose: the samples and locator of the last MAX_WAIT_MS of reads, which the
 * next reads of those sites learn again. Never a read or a price (observations are written
 * apart, durably), which is also why the commit does not wait for the WAL flush.
 */
import { CompiledQuery, type Kysely } from 'kysely';
import type { Database } from '../db/tables.js';

export interface SampleRow {
  siteId: number;
  listingId: number;
  amountMinor: number;
  currency: string;
  selectors: readonly string[];
  at: Date;
}

export interface LocatorWrite {
  siteId: number;
  selector: string;
  verified: number;
  matchedAt: Date;
  learnedAt: Date;
}

const MAX_ROWS = 64;
const MAX_WAIT_MS = 200;

/**
 * How a written locator replaces the site's row: the same selector verified again keeps when it
 * was learned and last checked; a new one starts over. Every write is a match, so misses reset.
 */
const STATEMENT = `
  with durability as (select set_config('synchronous_commit', 'off', true)),
  samples as (
    insert into price_locator_samples (site_id, listing_id, amount_minor, currency, selectors, at)
    select u.site_id, u.listing_id, u.amount_minor, u.currency, u.selectors::jsonb, u.at
    from durability, unnest($1::int4[], $2::int4[], $3::int8[], $4::text[], $5::text[], $6::timestamptz[])
      as u(site_id, listing_id, amount_minor, currency, selectors, at)
    on conflict (site_id, listing_id) do update set
      amount_minor = excluded.amount_minor, currency = excluded.currency,
      selectors = excluded.selectors, at = excluded.at
    returning 1
  ),
  locators as (
    insert into price_locators as p
      (site_id, selector, verified_listings, learned_at, last_matched_at, last_checked_at, misses, last_miss_reason)
    select v.site_id, v.selector, v.verified, v.learned_at, v.matched_at, null::timestamptz, 0, null::text
    from durability, unnest($7::int4[], $8::text[], $9::int4[], $10::timestamptz[], $11::timestamptz[])
      as v(site_id, selector, verified, learned_at, matched_at)
    on conflict (site_id) do update set
      selector = excluded.selector,
      verified_listings = excluded.verified_listings,
      last_matched_at = excluded.last_matched_at,
      misses = 0,
      last_miss_reason = null,
      learned_at = case when p.selector = excluded.selector then p.learned_at else excluded.learned_at end,
      last_checked_at = case when p.selector = excluded.selector then p.last_checked_at else null end
    returning 1
  )
  select (select count(*) from samples) as samples, (select count(*) from locators) as locators`;

interface Pending {
  /** By site and listing: a later sample of a listing replaces an earlier one (one row per key and statement). */
  samples: Map<string, SampleRow>;
  locators: Map<number, LocatorWrite>;
  timer?: NodeJS.Timeout;
  /** The batch being written, if any: a flush waits for it, so it returns with everything before it written. */
  writing: Promise<void>;
}

const pendingOf = new WeakMap<Kysely<Database>, Pending>();

function pending(db: Kysely<Database>): Pending {
  let p = pendingOf.get(db);
  if (!p) pendingOf.set(db, (p = { samples: new Map(), locators: new Map(), writing: Promise.resolve() }));
  return p;
}

/** Queues a learning read's sample and, when it derived one, the site's locator. */
export function queueLearning(db: Kysely<Database>, w: { sample: SampleRow; locator?: LocatorWrite }): void {
  const p = pending(db);
  p.samples.set(`${w.sample.siteId}:${w.sample.listingId}`, w.sample);
  if (w.locator) p.locators.set(w.locator.siteId, w.locator);
  if (p.samples.size >= MAX_ROWS) void flushLearning(db);
  else if (!p.timer) {
    p.timer = setTimeout(() => void flushLearning(db), MAX_WAIT_MS);
    p.timer.unref();
  }
}

/** Writes everything queued so far (and waits for a batch already being written). Never throws. */
export function flushLearning(db: Kysely<Database>): Promise<void> {
  const p = pendingOf.get(db);
  if (!p) return Promise.resolve();
  clearTimeout(p.timer);
  p.timer = undefined;
  const samples = [...p.samples.values()];
  const locators = [...p.locators.values()];
  p.samples.clear();
  p.locators.clear();
  p.writing = p.writing.then(() => writeBatch(db, samples, locators));
  return p.writing;
}

async function writeBatch(db: Kysely<Database>, samples: SampleRow[], locators: LocatorWrite[]): Promise<void> {
  if (!samples.length && !locators.length) return;
  try {
    await write(db, samples, locators);
  } catch {
    // A row the database refuses (its listing deleted meanwhile) must not cost the others their
    // learning: each is written alone, and what still fails (or a database that is down) is
    // learned again by the site's next reads.
    for (const s of samples) await write(db, [s], []).catch(() => {});
    for (const l of locators) await write(db, [], [l]).catch(() => {});
  }
}

async function write(db: Kysely<Database>, samples: SampleRow[], locators: LocatorWrite[]): Promise<void> {
  await db.executeQuery(
    CompiledQuery.raw(STATEMENT, [
      samples.map((s) => s.siteId),
      samples.map((s) => s.listingId),
      samples.map((s) => s.amountMinor),
      samples.map((s) => s.currency),
      samples.map((s) => JSON.stringify(s.selectors)),
      samples.map((s) => s.at),
      locators.map((l) => l.siteId),
      locators.map((l) => l.selector),
      locators.map((l) => l.verified),
      locators.map((l) => l.learnedAt),
      locators.map((l) => l.matchedAt),
    ]),
  );
}
