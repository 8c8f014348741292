/**
 * A person's decision on a discovered page that was not matched confidently enough to become
 * a listing alone: approve (with the suggested product, or another one the reviewer names)
 * or reject. Both record who decided, in which role, and when; an approval makes the
 * listing, reported to ops as new like any other.
 */
import type { Kysely } from 'kysely';
import { type Actor, checkActor } from '../cases/actor.js';
import type { Database } from '../db/tables.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors.js';
import { ensureListing } from './record-discovered-page.js';

export interface ReviewDecision {
  pageId: number;
  decision: 'approve' | 'reject';
  actor: Actor;
  /** Approve as this product instead of the suggested one. */
  sku?: string;
}

export interface ReviewResult {
  pageId: number;
  state: 'matched' | 'rejected';
  listingId: number | null;
  sku: string | null;
}

export async function reviewMatch(db: Kysely<Database>, d: ReviewDecision): Promise<ReviewResult> {
  const actor = checkActor(d.actor);
  if (actor.role === 'viewer') throw new InvalidInputError('a viewer cannot review matches');
  return db.transaction().execute(async (trx) => {
    const page = await trx
      .selectFrom('discovered_pages')
      .selectAll()
      .where('id', '=', d.pageId)
      .forUpdate()
      .executeTakeFirst();
    if (!page) throw new NotFoundError(`no discovered page ${d.pageId}`);
    if (page.state !== 'review' && page.state !== 'unmatched')
      throw new ConflictError(`discovered page ${d.pageId} is ${page.state}, not waiting for review`);
    const who = `${actor.who} (${actor.role})`;
    if (d.decision === 'reject') {
      await trx
        .updateTable('discovered_pages')
        .set({ state: 'rejected', reviewed_by: who, reviewed_at: new Date() })
        .where('id', '=', page.id)
        .execute();
      return { pageId: page.id, state: 'rejected' as const, listingId: null, sku: null };
    }
    let productId = page.product_id;
    if (d.sku) {
      const p = await trx.selectFrom('products').select('id').where('sku', '=', d.sku).executeTakeFirst();
      if (!p) throw new NotFoundError(`unknown SKU "${d.sku}"`);
      productId = p.id;
    }
    if (productId === null)
      throw new InvalidInputError(`discovered page ${d.pageId} has no suggested product: name one (sku)`);
    const listing = await ensureListing(trx, { siteId: page.site_id, productId, url: page.final_url ?? page.url });
    await trx
      .updateTable('discovered_pages')
      .set({
        state: 'matched',
        product_id: productId,
        listing_id: listing.id,
        reviewed_by: who,
        reviewed_at: new Date(),
        // No run made this one: the ops alert groups it with other reviewed listings.
        ...(listing.created ? { change: 'new' as const, change_run_id: null, reported_at: null } : {}),
      })
      .where('id', '=', page.id)
      .execute();
    const { sku } = await trx
      .selectFrom('products')
      .select('sku')
      .where('id', '=', productId)
      .executeTakeFirstOrThrow();
    return { pageId: page.id, state: 'matched' as const, listingId: listing.id, sku };
  });
}
