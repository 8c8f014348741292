/**
 * "Wrong price?": a reviewer says a read took the wrong number off the page (a struck-out
 * price, a bundle's price, a monthly instalment). A wrong price is a false accusation, so:
 * - the correction is stored (misreads): which read, and, if the reviewer gave them, the
 *   price the page really showed and the CSS selector of the element holding it — site
 *   health counts misreads, and the site's config (or a learned locator) can use them;
 * - the case is dismissed as a misread, in the same transaction, with who said so. The
 *   dismissal then holds while the site keeps showing the same figure (open-or-update-case.ts).
 * The case must be open; each read can be marked once.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/tables.js';
import { cssSelectorProblem } from '../config/css-selector.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors.js';
import { formatMoney, toMinorUnits } from '../normalize/currency.js';
import { type Actor, checkActor } from './actor.js';
import { dismissCaseIn } from './dismiss-case.js';

export interface MarkMisreadOptions {
  caseId: number;
  /** The misread read; default: the read behind the case's latest price. */
  observationId?: number;
  /** The price the page really showed, as a decimal in the read's currency ("129.99"). */
  correctPrice?: string;
  /** The CSS selector of the element that holds the right price. */
  selector?: string;
  note?: string;
  actor: Actor;
  now?: Date;
}

export interface MisreadResult {
  misreadId: number;
  observationId: number;
  correctMinor: number | null;
  currency: string | null;
}

export async function markMisread(db: Kysely<Database>, o: MarkMisreadOptions): Promise<MisreadResult> {
  const actor = checkActor(o.actor);
  const selector = o.selector?.trim() || null;
  if (selector) {
    if (selector.length > 500) throw new InvalidInputError('selector: at most 500 characters');
    const problem = cssSelectorProblem(selector);
    if (problem) throw new InvalidInputError(`selector: ${problem}`);
  }
  const note = o.note?.trim().slice(0, 2000) || null;
  const now = o.now ?? new Date();
  return db.transaction().execute(async (trx) => {
    const c = await trx
      .selectFrom('cases as c')
      .innerJoin('listings as l', 'l.id', 'c.listing_id')
      .select(['c.id', 'c.status', 'c.listing_id', 'c.last_seen_at', 'c.first_seen_at', 'l.site_id'])
      .where('c.id', '=', o.caseId)
      .executeTakeFirst();
    if (!c) throw new NotFoundError(`case #${o.caseId} does not exist`);
    if (c.status !== 'open' && c.status !== 'notified')
      throw new ConflictError(`case #${o.caseId} is ${c.status}; only an open case can be marked as a misread`);
    let q = trx
      .selectFrom('observations')
      .select(['id', 'listing_id', 'amount_minor', 'currency', 'status'])
      .where('listing_id', '=', c.listing_id);
    q =
      o.observationId !== undefined
        ? q.where('id', '=', o.observationId)
        : q.where('verdict', '=', 'violation').orderBy('captured_at', 'desc').orderBy('id', 'desc').limit(1);
    const obs = await q.executeTakeFirst();
    if (!obs)
      throw new NotFoundError(
        o.observationId !== undefined
          ? `observation ${o.observationId} is not a read of case #${o.caseId}'s listing`
          : `case #${o.caseId} has no violating read to mark`,
      );
    let correctMinor: number | null = null;
    const currency = obs.currency;
    if (o.correctPrice?.trim()) {
      if (!currency) throw new InvalidInputError('price: the read has no currency to give a price in');
      try {
        correctMinor = toMinorUnits(o.correctPrice.trim().replace(/^[A-Z]{3}\s*/, ''), currency);
      } catch (err) {
        throw new InvalidInputError(`price: ${(err as Error).message}; write it like 129.99`);
      }
      if (correctMinor <= 0) throw new InvalidInputError('price: must be more than zero');
    }
    const inserted = await trx
      .insertInto('misreads')
      .values({
        case_id: o.caseId,
        observation_id: obs.id,
        listing_id: c.listing_id,
        site_id: c.site_id,
        correct_minor: correctMinor,
        currency: correctMinor !== null ? currency : null,
        selector,
        note,
        by: actor.who,
        role: actor.role,
        at: now,
      })
      .onConflict((oc) => oc.column('observation_id').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!inserted) throw new ConflictError(`observation ${obs.id} is already marked as a misread`);
    const said =
      correctMinor !== null && currency ? `the page showed ${formatMoney(correctMinor, currency)}` : 'wrong price read';
    await dismissCaseIn(trx, {
      caseId: o.caseId,
      note: `misread: ${said}${selector ? ` (price at ${selector})` : ''}${note ? ` — ${note}` : ''}`,
      actor,
      now,
      detail: {
        misread: { id: inserted.id, observation_id: obs.id, correct_minor: correctMinor, currency, selector },
      },
    });
    return {
      misreadId: inserted.id,
      observationId: obs.id,
      correctMinor,
      currency: correctMinor !== null ? currency : null,
    };
  });
}
