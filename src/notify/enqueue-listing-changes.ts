/**
 * Puts an ops email into the outbox for each discovery run that found new, moved or gone
 * listings (and one for listings people approved in review since the last one), to every
 * `notify.ops` address. Discovery records each change with the run that made it and leaves
 * it unreported; this runs with the other scheduled mail (collect-notifications.ts).
 *
 * A run's changes are collected once the run is over (finished, or followed by a later run),
 * so a run that takes an hour still makes one mail, not one per notifier tick.
 *
 * Idempotent twice over: the changes are taken FOR UPDATE SKIP LOCKED and marked reported in
 * the transaction that queues the mail, and the message's key names the run and the exact
 * changes in it, so collecting the same run again queues nothing (and a straggler change of
 * a run already reported still gets a mail of its own instead of being dropped as a copy).
 * Without ops addresses the changes stay unreported until some are configured.
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/tables.js';
import { type ListingChange, listListingChanges } from '../queries/list-discovered.js';
import { buildListingChanges } from './build-listing-changes.js';
import { enqueueMessage } from './enqueue-message.js';
import type { NotifyConfig } from './notify-config.js';

export interface ListingChangeAlerts {
  /** One per run (or reviewed group) with changes. */
  groups: { site: string; runId: number | null; changes: number; queued: number }[];
}

/** The key of one group's mail to one address. */
export function listingChangesKey(changes: ListingChange[], runId: number | null, to: string): string {
  const which = createHash('sha256')
    .update(changes.map((c) => `${c.id}:${c.change}`).join(','))
    .digest('hex')
    .slice(0, 24);
  return `listing-changes:${runId !== null ? `run-${runId}` : 'reviewed'}:${which}:${to.toLowerCase()}`;
}

export async function enqueueListingChangeAlerts(
  db: Kysely<Database>,
  cfg: Pick<NotifyConfig, 'ops' | 'from'>,
): Promise<ListingChangeAlerts> {
  if (!cfg.ops.length) return { groups: [] };
  return db.transaction().execute(async (trx) => {
    const changes = await listListingChanges(trx, { lock: true, settled: true, markReported: true });
    const groups = new Map<string, ListingChange[]>();
    for (const c of changes) {
      // A reviewed change (no run) is grouped per site: one mail per site with approvals.
      const k = c.runId !== null ? `run:${c.runId}` : `site:${c.site}`;
      const list = groups.get(k);
      if (list) list.push(c);
      else groups.set(k, [c]);
    }
    const out: ListingChangeAlerts = { groups: [] };
    for (const list of groups.values()) {
      const runId = list[0]!.runId;
      const mail = buildListingChanges({ changes: list, runId });
      let queued = 0;
      for (const to of cfg.ops) {
        const { created } = await enqueueMessage(
          trx,
          {
            kind: 'listing_changes',
            key: listingChangesKey(list, runId, to),
            to,
            subject: mail.subject,
            text: mail.text,
            html: mail.html,
          },
          cfg.from,
        );
        if (created) queued++;
      }
      out.groups.push({ site: list[0]!.site, runId, changes: list.length, queued });
    }
    return out;
  });
}
